/**
 * How figures, times and ledger words read on screen. Words only; layout is the components',
 * and which time zone times are shown in is the shop settings' (shop.svelte.ts).
 */
import type { MovementKind } from '$lib/gql/graphql';

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * An API timestamp as a wall clock in `timeZone` (an IANA name), e.g.
 * `3 Dec 2025, 16:40:12 GMT`. The zone must be one this browser knows (see isKnownTimeZone).
 */
export function formatTimeIn(timestamp: string, timeZone: string): string {
  let format = timeFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'short',
    });
    timeFormats.set(timeZone, format);
  }
  return format.format(new Date(timestamp));
}

/** True when this browser can show times in `timeZone`; it throws on names it does not know. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** A change in units with its sign: `+5`, `−2` (a true minus sign), or `0`. */
export function formatDelta(units: number): string {
  if (units > 0) {
    return `+${units}`;
  }
  return units < 0 ? `\u2212${-units}` : '0';
}

const movementKindLabels: Record<MovementKind, string> = {
  OPENING_BALANCE: 'Opening balance',
  RECEIPT: 'Receipt',
  RESERVATION: 'Reservation',
  RELEASE: 'Release',
  SHIPMENT: 'Shipment',
  RETURN: 'Return',
  ADJUSTMENT: 'Adjustment',
  COUNT: 'Count',
  TRANSFER_OUT: 'Transfer out',
  TRANSFER_IN: 'Transfer in',
};

export function movementKindLabel(kind: MovementKind): string {
  return movementKindLabels[kind];
}

/** What caused a movement, e.g. `shopify order line 5123 / 9876`. */
export function movementSourceLabel(movement: {
  sourceType: string;
  sourceId?: string | null;
  sourceLineId?: string | null;
}): string {
  const ids = [movement.sourceId, movement.sourceLineId].filter(
    (id): id is string => typeof id === 'string' && id !== '',
  );
  const type = movement.sourceType.replaceAll('_', ' ');
  return ids.length === 0 ? type : `${type} ${ids.join(' / ')}`;
}
