/**
 * How figures, times and ledger words read on screen. Words only; layout is the components'.
 */
import type { MovementKind } from '$lib/gql/graphql';

/**
 * The shop's time zone, in which every time is shown (a warehouse thinks in its own day).
 * Hard-coded because the API does not expose the shop's `ianaTimezone` yet; it is the fixture
 * shop's zone. Exposing it (e.g. a `shop { ianaTimezone }` query) would let this go.
 */
export const shopTimeZone = 'Europe/London';

const shopTimeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: shopTimeZone,
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/** An API timestamp as the shop's wall clock, e.g. `3 Dec 2025, 16:40:12 GMT`. */
export function formatShopTime(timestamp: string): string {
  return shopTimeFormat.format(new Date(timestamp));
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
