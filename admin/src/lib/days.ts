/**
 * Calendar days in the shop's time zone: where a day a person picks (a filter's "from", a
 * token's last day) begins as an instant the API understands. A warehouse thinks in its own
 * day, not the browser's or UTC's. No imports, so it is tested on its own.
 */
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
