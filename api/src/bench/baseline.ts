/**
 * The direct-SQL baseline: the same reservations a sale asked for, as one autocommitted
 * statement each from a fixed number of clients, on the same PostgreSQL and the same balance
 * rows, with those rows put back to where they stood when the sale started. It runs a few
 * rounds and reports the median, since one round is short and the machine may be shared.
 *
 * The statement is the least a reservation can be: a guarded increment. It writes no movement,
 * no order, no delivery and no job, so the ratio of the system to it says what everything else
 * costs. Leaves out: keeping the ledger true. It runs on the scenario's database after the
 * scenario's figures are read, and the database is dropped afterwards.
 */
import path from 'node:path';

import pg from 'pg';

import { costPerUnit, readCpu, type CpuCost } from './cpu.ts';
import { clockMs, ratePerSecond, round } from './statistics.ts';

export interface BaselineInput {
  balancesBefore: {
    skuId: string;
    locationId: string;
    onHand: number;
    reserved: number;
    available: number;
  }[];
  /** One reservation of one unit per order line, in the order the sale sent them. */
  reservations: { skuId: string; locationId: string }[];
}

export interface BaselineFigures {
  clients: number;
  /** Statements per second of every round; the other figures are the median round's. */
  roundsStatementsPerSecond: number[];
  statements: number;
  elapsedMs: number;
  statementsPerSecond: number;
  /** Statements that reserved (one row updated) and that found too little available. */
  rowsReserved: number;
  rowsRefused: number;
  /** CPU of the client (this process) and of the server, per statement. */
  cpuPerStatement: CpuCost;
}

const reserveStatement = {
  name: 'bench-reserve-one',
  text: `UPDATE stock_balances SET reserved = reserved + 1
         WHERE sku_id = $1 AND location_id = $2 AND on_hand - reserved >= 1`,
};

type BaselineRound = Omit<BaselineFigures, 'roundsStatementsPerSecond'>;

const roundCount = 3;

/** `dataDir` is the benchmark server's folder, for its CPU figures. */
export async function runBaseline(
  databaseUrl: string,
  dataDir: string,
  input: BaselineInput,
  clientCount: number,
): Promise<BaselineFigures> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: clientCount });
  pool.on('error', () => undefined);

  try {
    const clients = await Promise.all(Array.from({ length: clientCount }, () => pool.connect()));

    try {
      // Every connection prepares the statement before the clock starts.
      await Promise.all(
        clients.map((client) => client.query({ ...reserveStatement, values: [0, 0] })),
      );
      const rounds: BaselineRound[] = [];
      for (let round = 0; round < roundCount; round += 1) {
        await restoreBalances(clients, input);
        rounds.push(await reserveAll(clients, input, path.join(dataDir, 'postgres')));
      }
      return medianOf(rounds);
    } finally {
      clients.forEach((client) => client.release());
    }
  } finally {
    await pool.end();
  }
}

function medianOf(rounds: BaselineRound[]): BaselineFigures {
  const sorted = [...rounds].sort((a, b) => a.statementsPerSecond - b.statementsPerSecond);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (median === undefined) {
    throw new Error('the baseline ran no round');
  }
  return { ...median, roundsStatementsPerSecond: rounds.map((r) => r.statementsPerSecond) };
}

async function restoreBalances(clients: pg.PoolClient[], input: BaselineInput): Promise<void> {
  const [client] = clients;
  if (client === undefined) {
    throw new Error('the baseline has no client');
  }

  await client.query(
    `UPDATE stock_balances b SET on_hand = r.on_hand, reserved = r.reserved
     FROM jsonb_to_recordset($1::jsonb) AS r(sku_id bigint, location_id bigint, on_hand int,
       reserved int)
     WHERE b.sku_id = r.sku_id AND b.location_id = r.location_id`,
    [
      JSON.stringify(
        input.balancesBefore.map((balance) => ({
          sku_id: balance.skuId,
          location_id: balance.locationId,
          on_hand: balance.onHand,
          reserved: balance.reserved,
        })),
      ),
    ],
  );
  await client.query('VACUUM ANALYZE stock_balances');
}

async function reserveAll(clients: pg.PoolClient[], input: BaselineInput, clusterDir: string) {
  let next = 0;
  let rowsReserved = 0;
  const lane = async (client: pg.PoolClient) => {
    while (next < input.reservations.length) {
      const reservation = input.reservations[next];
      next += 1;
      if (reservation === undefined) {
        continue;
      }

      const values = [reservation.skuId, reservation.locationId];
      const updated = await client.query({ ...reserveStatement, values });
      rowsReserved += updated.rowCount ?? 0;
    }
  };

  const cpuBefore = await readCpu(clusterDir);
  const startedAtMs = clockMs();
  await Promise.all(clients.map(lane));
  const elapsedMs = clockMs() - startedAtMs;
  const cpuAfter = await readCpu(clusterDir);

  return {
    clients: clients.length,
    statements: input.reservations.length,
    elapsedMs: round(elapsedMs, 1),
    statementsPerSecond: ratePerSecond(input.reservations.length, elapsedMs),
    rowsReserved,
    rowsRefused: input.reservations.length - rowsReserved,
    cpuPerStatement: costPerUnit(cpuBefore, cpuAfter, input.reservations.length),
  };
}
