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

/**
 * The instant a calendar day (`2026-12-03`, as a date input gives it) begins in `timeZone`, as
 * an ISO timestamp; null for text that is no date. A filter "from the 3rd" means from the shop's
 * midnight, not the browser's. Where a clock change skips midnight, the first instant after it.
 */
export function startOfDayIn(day: string, timeZone: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (match === null) {
    return null;
  }
  const [, year, month, date] = match.map(Number) as [number, number, number, number];
  const wallClockMs = Date.UTC(year, month - 1, date);
  if (Number.isNaN(wallClockMs)) {
    return null;
  }

  // The zone's offset at a first guess, then at the instant that offset gives. Where they
  // differ a clock change is near: the second is right if the wall clock reads midnight under
  // it; if neither does, midnight was skipped and the later instant is the first of the day.
  const firstOffsetMs = offsetMsIn(wallClockMs, timeZone);
  const firstInstantMs = wallClockMs - firstOffsetMs;
  const secondOffsetMs = offsetMsIn(firstInstantMs, timeZone);
  if (secondOffsetMs === firstOffsetMs) {
    return new Date(firstInstantMs).toISOString();
  }
  const secondInstantMs = wallClockMs - secondOffsetMs;
  const isSecondRight = offsetMsIn(secondInstantMs, timeZone) === secondOffsetMs;
  const instantMs = isSecondRight ? secondInstantMs : Math.max(firstInstantMs, secondInstantMs);
  return new Date(instantMs).toISOString();
}

/** The day after a calendar day, both as `YYYY-MM-DD`. */
export function nextDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date + 1)).toISOString().slice(0, 10);
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** How far `timeZone`'s wall clock is ahead of UTC at `instantMs`, in milliseconds. */
function offsetMsIn(instantMs: number, timeZone: string): number {
  let format = offsetFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(
    format.formatToParts(new Date(instantMs)).map((part) => [part.type, Number(part.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  const wallClockMs = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
  return wallClockMs - Math.floor(instantMs / 1000) * 1000;
}
