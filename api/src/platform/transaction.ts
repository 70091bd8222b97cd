/**
 * Transactions on the shared pool. Every stock write, the jobs it causes and the notifications
 * it sends happen inside one of these, so that either all of them happen or none.
 */
import type pg from 'pg';

/** A connection inside an open transaction. */
export type Tx = pg.PoolClient;

/** Anything that can run a query: the pool or a transaction's connection. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export async function withTransaction<T>(pool: pg.Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
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
