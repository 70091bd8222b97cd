/**
 * The shop's settings as the admin uses them: for now only its time zone, in which every time
 * is shown (a warehouse thinks in its own day). Read once per sign-in by the client scope and
 * handed to the screens below it by context.
 *
 * Deliberately not handled: the zone changing while someone is signed in. It is imported from
 * the shop and almost never changes; a reload reads it again.
 */
import type { Client } from '@urql/core';
import { createContext } from 'svelte';

import { fetchData } from '$lib/api/operations';
import { isKnownTimeZone } from '$lib/format';
import { graphql } from '$lib/gql';

export const shopSettingsQuery = graphql(`
  query ShopSettings {
    shop {
      timeZone
    }
  }
`);

/** The zone shown when the shop's own cannot be used. */
export const fallbackTimeZone = 'UTC';

/**
 * The zone times are shown in, and why it is that one:
 * - `loading`: not read since sign-in yet; screens wait rather than show times that would shift.
 * - `shop`: the shop's own zone.
 * - `unset`: the shop has none (its settings were not imported yet), so UTC.
 * - `unknown`: the shop's zone is not one this browser knows, so UTC.
 * - `unavailable`: the settings could not be read (the banner says why), so UTC until they are.
 */
export type ShopTimeZone =
  | { source: 'loading' }
  | { source: 'shop'; timeZone: string }
  | { source: 'unset'; timeZone: typeof fallbackTimeZone }
  | { source: 'unknown'; timeZone: typeof fallbackTimeZone; shopTimeZone: string }
  | { source: 'unavailable'; timeZone: typeof fallbackTimeZone };

/** The zone to show times in, given the shop's as the API answered it (an IANA name or null). */
export function shopTimeZoneOf(shopTimeZone: string | null): ShopTimeZone {
  if (shopTimeZone === null || shopTimeZone.trim() === '') {
    return { source: 'unset', timeZone: fallbackTimeZone };
  }
  if (!isKnownTimeZone(shopTimeZone)) {
    return { source: 'unknown', timeZone: fallbackTimeZone, shopTimeZone };
  }
  return { source: 'shop', timeZone: shopTimeZone };
}

export class ShopSettings {
  timeZone = $state<ShopTimeZone>({ source: 'loading' });

  #isReading = false;

  constructor(private readonly client: Client) {}

  /**
   * Reads the settings unless they are known or being read already, so it is safe to call
   * again whenever the API may be back after an attempt that failed.
   */
  async read(): Promise<void> {
    const isKnown = this.timeZone.source !== 'loading' && this.timeZone.source !== 'unavailable';
    if (isKnown || this.#isReading) {
      return;
    }

    this.#isReading = true;
    const answer = await fetchData(this.client, shopSettingsQuery, {});
    this.#isReading = false;

    this.timeZone =
      answer === null
        ? { source: 'unavailable', timeZone: fallbackTimeZone }
        : shopTimeZoneOf(answer.shop.timeZone);
  }
}

const [getShopSettings, setShopSettings] = createContext<ShopSettings>();

/** The signed-in scope's shop settings; only inside the client scope, like the urql client. */
export { getShopSettings, setShopSettings };
