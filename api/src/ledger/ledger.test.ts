/**
 * The ledger against a real PostgreSQL: postings, the rules the database itself enforces, and
 * concurrent reservations that must never take the same unit twice.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestDatabase } from '../../../tests/support/database.ts';
import { withTransaction } from '../platform/transaction.ts';
import { postMovements, verifyLedger, type Posting } from './ledger.ts';

let pool: pg.Pool;
let skuId: string;
let locationId: string;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase(), max: 40 });
  const location = await pool.query<{ id: string }>(
    `INSERT INTO locations (name, fulfills_online_orders) VALUES ('Warehouse', true)
     RETURNING id::text`,
  );
  locationId = location.rows[0]?.id ?? '';
});

afterAll(async () => {
  await pool.end();
});

async function newSku(code: string, onHand: number): Promise<string> {
  const sku = await pool.query<{ id: string }>(
    `INSERT INTO skus (code, raw_code, title) VALUES ($1, $1, $1) RETURNING id::text`,
    [code],
  );
  const id = sku.rows[0]?.id ?? '';
  if (onHand > 0) {
    await withTransaction(pool, (tx) =>
      postMovements(tx, [movement(id, 'opening_balance', onHand, 0, `opening:${code}`)]),
    );
  }
  return id;
}

function movement(
  sku: string,
  kind: Posting['kind'],
  onHandDelta: number,
  reservedDelta: number,
  sourceKey: string,
): Posting {
  return {
    kind,
    skuId: sku,
    locationId,
    onHandDelta,
    reservedDelta,
    sourceKey,
    sourceType: 'test',
    actor: 'test',
    occurredAt: new Date(),
  };
}

async function balance(sku: string) {
  const found = await pool.query<{ on_hand: number; reserved: number; available: number }>(
    `SELECT on_hand, reserved, available FROM stock_balances
     WHERE sku_id = $1 AND location_id = $2`,
    [sku, locationId],
  );
  return found.rows[0];
}

describe('postings', () => {
  beforeAll(async () => {
    skuId = await newSku('LEDGER-A', 5);
  });

  it('posts a reservation and keeps available = on hand - reserved', async () => {
    // When
    const [result] = await withTransaction(pool, (tx) =>
      postMovements(tx, [movement(skuId, 'reservation', 0, 2, 'order:1:line:1')]),
    );

    // Then
    expect(result?.outcome).toBe('posted');
    expect(await balance(skuId)).toEqual({ on_hand: 5, reserved: 2, available: 3 });
  });

  it('answers exists for a source key already posted and changes nothing', async () => {
    const [again] = await withTransaction(pool, (tx) =>
      postMovements(tx, [movement(skuId, 'reservation', 0, 2, 'order:1:line:1')]),
    );
    const [different] = await withTransaction(pool, (tx) =>
      postMovements(tx, [movement(skuId, 'reservation', 0, 3, 'order:1:line:1')]),
    );

    expect(again?.outcome).toBe('exists');
    expect(different?.outcome).toBe('exists_with_different_quantity');
    expect(await balance(skuId)).toEqual({ on_hand: 5, reserved: 2, available: 3 });
  });

  it('refuses a reservation beyond available and leaves the balance untouched', async () => {
    const [result] = await withTransaction(pool, (tx) =>
      postMovements(tx, [movement(skuId, 'reservation', 0, 4, 'order:2:line:1')]),
    );

    expect(result?.outcome).toBe('insufficient_available');
    expect(await balance(skuId)).toEqual({ on_hand: 5, reserved: 2, available: 3 });
    const movements = await pool.query('SELECT 1 FROM stock_movements WHERE source_key = $1', [
      'order:2:line:1',
    ]);
    expect(movements.rowCount).toBe(0);
  });

  it('refuses releasing more than is reserved', async () => {
    const [result] = await withTransaction(pool, (tx) =>
      postMovements(tx, [movement(skuId, 'release', 0, -3, 'order:1:line:1:cancel')]),
    );
    expect(result?.outcome).toBe('reserved_below_zero');
  });
});

describe('rules the database enforces on its own', () => {
  it('refuses to update, delete or truncate a movement', async () => {
    await expect(pool.query('UPDATE stock_movements SET on_hand_delta = 99')).rejects.toThrow(
      /append-only/,
    );
    await expect(pool.query('DELETE FROM stock_movements')).rejects.toThrow(/append-only/);
    await expect(pool.query('TRUNCATE stock_movements CASCADE')).rejects.toThrow(/append-only/);
  });

  it('refuses a second movement with the same source key', async () => {
    const sku = await newSku('LEDGER-B', 1);
    await expect(
      pool.query(
        `INSERT INTO stock_movements (kind, sku_id, location_id, on_hand_delta, reserved_delta,
           source_key, source_type, actor, occurred_at)
         VALUES ('receipt', $1, $2, 1, 0, 'opening:LEDGER-B', 'test', 'test', now())`,
        [sku, locationId],
      ),
    ).rejects.toThrow(/duplicate key/);
  });

  it('refuses available below zero when the SKU does not allow backorders', async () => {
    const sku = await newSku('LEDGER-C', 1);
    await expect(
      pool.query('UPDATE stock_balances SET reserved = 2 WHERE sku_id = $1', [sku]),
    ).rejects.toThrow(/available_not_negative/);
  });

  it('lets a SKU that allows backorders go below zero', async () => {
    const sku = await newSku('LEDGER-D', 1);
    await pool.query('UPDATE skus SET allows_backorder = true WHERE id = $1', [sku]);

    const [result] = await withTransaction(pool, (tx) =>
      postMovements(tx, [movement(sku, 'reservation', 0, 3, 'backorder:1')]),
    );

    expect(result?.outcome).toBe('posted');
    expect(await balance(sku)).toEqual({ on_hand: 1, reserved: 3, available: -2 });
  });
});

describe('concurrent reservations', () => {
  it('fifty orders for the last ten units, two pools: ten reserved, forty refused', async () => {
    // Given ten units and two independent connection pools, as two workers would have
    const sku = await newSku('LEDGER-HOT', 10);
    const url = (pool as unknown as { options: { connectionString: string } }).options
      .connectionString;
    const pools = [
      new pg.Pool({ connectionString: url, max: 25 }),
      new pg.Pool({ connectionString: url, max: 25 }),
    ];

    // When fifty single-unit reservations race
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        withTransaction(pools[index % 2] as pg.Pool, (tx) =>
          postMovements(tx, [movement(sku, 'reservation', 0, 1, `race:${index}`)]),
        ).then((results) => results[0]?.outcome),
      ),
    );
    await Promise.all(pools.map((each) => each.end()));

    // Then exactly ten won and available never went below zero
    expect(outcomes.filter((outcome) => outcome === 'posted')).toHaveLength(10);
    expect(outcomes.filter((outcome) => outcome === 'insufficient_available')).toHaveLength(40);
    expect(await balance(sku)).toEqual({ on_hand: 10, reserved: 10, available: 0 });
  });
});

describe('ledger verify', () => {
  it('is clean when every balance equals its movements', async () => {
    const report = await verifyLedger(pool);
    expect(report.differences).toEqual([]);
    expect(report.movementsChecked).toBeGreaterThan(0);
  });

  it('reports a balance changed behind the ledger', async () => {
    const sku = await newSku('LEDGER-DRIFT', 4);
    await pool.query('UPDATE stock_balances SET on_hand = 7 WHERE sku_id = $1', [sku]);

    const report = await verifyLedger(pool);

    expect(report.differences).toEqual([
      expect.objectContaining({ skuCode: 'LEDGER-DRIFT', onHandBalance: 7, onHandMovements: 4 }),
    ]);
  });
});
