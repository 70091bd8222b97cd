/**
 * A token's expiry as the command line gives it: `--expires-in 30d` / `12h`, or
 * `--expires-at` with an ISO 8601 date (midnight UTC) or date-time with a zone. Whether the
 * moment is in the future is the tokens module's check, not this file's.
 */

export type ExpiryParse = { expiresAt: Date | null } | { problem: string };

const hourMs = 3_600_000;
const unitMs: Record<string, number> = { h: hourMs, d: 24 * hourMs };

/** Durations up to ten years, so the moment stays a date PostgreSQL and JavaScript share. */
const durationMsMax = 3660 * 24 * hourMs;

const isoDateTime =
  /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

export function parseExpiry(
  options: { expiresIn?: string; expiresAt?: string },
  now = new Date(),
): ExpiryParse {
  if (options.expiresIn !== undefined && options.expiresAt !== undefined) {
    return { problem: 'give --expires-in or --expires-at, not both' };
  }
  if (options.expiresIn !== undefined) {
    return parseDuration(options.expiresIn, now);
  }
  if (options.expiresAt !== undefined) {
    return parseMoment(options.expiresAt);
  }
  return { expiresAt: null };
}

function parseDuration(text: string, now: Date): ExpiryParse {
  const match = /^(\d{1,5})([hd])$/.exec(text.trim());
  const amount = Number(match?.[1]);
  const durationMs = amount * (unitMs[match?.[2] ?? ''] ?? Number.NaN);
  if (match === null || !(durationMs > 0) || durationMs > durationMsMax) {
    return {
      problem:
        `--expires-in "${text.slice(0, 40)}" is not a duration: a whole number of hours or ` +
        'days, more than zero and at most 3660 days, e.g. 12h or 30d',
    };
  }
  return { expiresAt: new Date(now.getTime() + durationMs) };
}

function parseMoment(text: string): ExpiryParse {
  const match = isoDateTime.exec(text.trim());
  const moment = new Date(text.trim());
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  const day = Number(match?.[3]);
  // JavaScript rolls 2027-02-30 over into March rather than refusing it.
  const calendar = new Date(Date.UTC(year, month - 1, day));
  const isRealDay =
    calendar.getUTCFullYear() === year &&
    calendar.getUTCMonth() + 1 === month &&
    calendar.getUTCDate() === day;
  if (match === null || Number.isNaN(moment.getTime()) || !isRealDay) {
    return {
      problem:
        `--expires-at "${text.slice(0, 40)}" is not an ISO 8601 date or date-time with a ` +
        'zone, e.g. 2027-01-31 or 2027-01-31T18:00:00Z',
    };
  }
  return { expiresAt: moment };
}
