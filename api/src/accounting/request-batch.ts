/**
 * Reading by many keys in one query for one GraphQL request: every key asked for in the same
 * turn of the event loop (the fields of every row of a list resolve together) waits for one
 * load of them all. A page of fifty orders with their invoices costs one query, not fifty.
 * Nothing is cached beyond that turn, so a later field reads fresh rows.
 */

interface Waiter<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

type OpenBatch = Map<string, Waiter<unknown>>;

/** Per request, per kind of load, the keys asked for in the current turn. */
const openBatches = new WeakMap<object, Map<string, OpenBatch>>();

/**
 * The value for `key`, loaded with every other key `request` asks `name` for in this turn.
 * `loadMany` answers what it found; a key it leaves out gets `missing`.
 */
export function loadInBatch<T>(
  request: object,
  name: string,
  key: string,
  loadMany: (keys: string[]) => Promise<Map<string, T>>,
  missing: T,
): Promise<T> {
  const batches = openBatches.get(request) ?? new Map<string, OpenBatch>();
  openBatches.set(request, batches);
  let batch = batches.get(name) as Map<string, Waiter<T>> | undefined;
  if (batch === undefined) {
    const asked = new Map<string, Waiter<T>>();
    batches.set(name, asked);
    setImmediate(() => {
      batches.delete(name);
      loadMany([...asked.keys()]).then(
        (found) => asked.forEach((waiter, asking) => waiter.resolve(found.get(asking) ?? missing)),
        (error: unknown) => asked.forEach((waiter) => waiter.reject(error)),
      );
    });
    batch = asked;
  }

  const existing = batch.get(key);
  if (existing !== undefined) {
    return existing.promise;
  }
  const waiter = {} as Waiter<T>;
  waiter.promise = new Promise<T>((resolve, reject) => {
    waiter.resolve = resolve;
    waiter.reject = reject;
  });
  batch.set(key, waiter);
  return waiter.promise;
}
