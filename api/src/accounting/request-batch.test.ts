/**
 * Batched loading per request, without a database.
 */
import { describe, expect, it } from 'vitest';

import { loadInBatch } from './request-batch.ts';

describe('loadInBatch', () => {
  it('loads every key asked for in one turn with one call, and each later turn anew', async () => {
    // Given a load that records what it was asked and knows only a and b
    const calls: string[][] = [];
    const loadMany = (keys: string[]) => {
      calls.push(keys);
      const known = keys
        .filter((key) => key !== 'c')
        .map((key) => [key, key.toUpperCase()] as const);
      return Promise.resolve(new Map(known));
    };
    const request = {};

    // When three keys, one of them twice, are asked for in the same turn
    const first = await Promise.all(
      ['a', 'b', 'a', 'c'].map((key) => loadInBatch(request, 'letters', key, loadMany, '?')),
    );
    // And one more in a later turn
    const later = await loadInBatch(request, 'letters', 'b', loadMany, '?');

    // Then the first turn made one call with each key once, and the unknown key got the default
    expect(first).toEqual(['A', 'B', 'A', '?']);
    expect(later).toBe('B');
    expect(calls).toEqual([['a', 'b', 'c'], ['b']]);
  });

  it('keeps requests and kinds of load apart, and hands a failure to every waiter', async () => {
    const failing = () => Promise.reject(new Error('database gone'));
    const echo = (keys: string[]) => Promise.resolve(new Map(keys.map((key) => [key, key])));

    const outcomes = await Promise.allSettled([
      loadInBatch({}, 'letters', 'a', failing, ''),
      loadInBatch({}, 'letters', 'a', echo, ''),
    ]);

    expect(outcomes).toEqual([
      { status: 'rejected', reason: new Error('database gone') },
      { status: 'fulfilled', value: 'a' },
    ]);
  });
});
