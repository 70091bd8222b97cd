/**
 * Transactions on the shared pool. Every stock write, the jobs it causes and the notifications
 * it sends happen inside one of these, so that either all of them happen or none. A transaction
 * made for a person's request names the request's audit record, and every movement it posts
 * points there (see the audit migration's trigger on stock_movements).
 */
import type pg from 'pg';

/** A connection inside an open transaction. */
export type Tx = pg.PoolClient;

/** Anything that can run a query: the pool or a transaction's connection. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export interface TransactionOptions {
  /** The audit record of the request this transaction carries out, if it has one. */
  auditEventId?: string | null;
}

export async function withTransaction<T>(
  pool: pg.Pool,
  work: (tx: Tx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    if (options.auditEventId != null) {
      // Local to this transaction: the pooled connection forgets it at COMMIT or ROLLBACK.
      await tx.query("SELECT set_config('quartermaster.audit_event_id', $1, true)", [
        options.auditEventId,
      ]);
    }
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (error) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
}
