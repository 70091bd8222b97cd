/**
 * The admin's day boundaries in the shop's time zone: a filter or an expiry "from the 3rd"
 * starts at the shop's midnight, across clock changes too. Pure functions; no browser.
 */
import { describe, expect, it } from 'vitest';

import { nextDay, startOfDayIn } from '../admin/src/lib/days.ts';

describe('startOfDayIn', () => {
  it('is midnight in the zone, in winter and in summer', () => {
    expect(startOfDayIn('2026-12-03', 'Europe/London')).toBe('2026-12-03T00:00:00.000Z');
    expect(startOfDayIn('2026-07-03', 'Europe/London')).toBe('2026-07-02T23:00:00.000Z');
    expect(startOfDayIn('2026-07-03', 'America/New_York')).toBe('2026-07-03T04:00:00.000Z');
    expect(startOfDayIn('2026-07-03', 'Asia/Kolkata')).toBe('2026-07-02T18:30:00.000Z');
  });

  it('holds on the days the clocks change', () => {
    // Given days on which the clocks go forward or back (in London at 01:00, not midnight)
    // Then each day starts at its own midnight
    expect(startOfDayIn('2026-03-29', 'Europe/London')).toBe('2026-03-29T00:00:00.000Z');
    expect(startOfDayIn('2026-03-30', 'Europe/London')).toBe('2026-03-29T23:00:00.000Z');
    expect(startOfDayIn('2026-10-25', 'Europe/London')).toBe('2026-10-24T23:00:00.000Z');
    expect(startOfDayIn('2026-10-26', 'Europe/London')).toBe('2026-10-26T00:00:00.000Z');
  });

  it('starts a day whose midnight is skipped at the first instant after the gap', () => {
    // Given Santiago, where the clocks go from 00:00 straight to 01:00 on 6 September 2026
    // Then that day starts at 01:00 local time, 04:00 UTC
    expect(startOfDayIn('2026-09-06', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
  });

  it('answers null for text that is no date', () => {
    expect(startOfDayIn('', 'UTC')).toBeNull();
    expect(startOfDayIn('3/12/2026', 'UTC')).toBeNull();
  });
});

describe('nextDay', () => {
  it('crosses months and years', () => {
    expect(nextDay('2026-02-28')).toBe('2026-03-01');
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
  });
});
