/**
 * A token's expiry from the command line: durations in hours or days, ISO dates and
 * date-times with a zone, and a message naming the option for anything else.
 */
import { describe, expect, it } from 'vitest';

import { parseExpiry } from './expiry.ts';

const now = new Date('2026-12-03T12:00:00Z');

describe('parseExpiry', () => {
  it('answers no expiry when neither option is given', () => {
    expect(parseExpiry({}, now)).toEqual({ expiresAt: null });
  });

  it('adds a duration in hours or days to now', () => {
    expect(parseExpiry({ expiresIn: '12h' }, now)).toEqual({
      expiresAt: new Date('2026-12-04T00:00:00Z'),
    });
    expect(parseExpiry({ expiresIn: '30d' }, now)).toEqual({
      expiresAt: new Date('2027-01-02T12:00:00Z'),
    });
  });

  it('reads an ISO date as midnight UTC and a date-time with its zone', () => {
    expect(parseExpiry({ expiresAt: '2027-01-31' }, now)).toEqual({
      expiresAt: new Date('2027-01-31T00:00:00Z'),
    });
    expect(parseExpiry({ expiresAt: '2027-01-31T18:00:00+02:00' }, now)).toEqual({
      expiresAt: new Date('2027-01-31T16:00:00Z'),
    });
  });

  it('names the option and the value it cannot read', () => {
    const problems = [
      parseExpiry({ expiresIn: '30m' }, now),
      parseExpiry({ expiresIn: '0d' }, now),
      parseExpiry({ expiresIn: '99999d' }, now),
      parseExpiry({ expiresAt: '2027-02-30' }, now),
      parseExpiry({ expiresAt: '2027-01-31T18:00:00' }, now),
      parseExpiry({ expiresAt: 'tomorrow' }, now),
      parseExpiry({ expiresIn: '1d', expiresAt: '2027-01-31' }, now),
    ].map((parsed) => ('problem' in parsed ? parsed.problem.split(' is ')[0] : 'accepted'));

    expect(problems).toEqual([
      '--expires-in "30m"',
      '--expires-in "0d"',
      '--expires-in "99999d"',
      '--expires-at "2027-02-30"',
      '--expires-at "2027-01-31T18:00:00"',
      '--expires-at "tomorrow"',
      'give --expires-in or --expires-at, not both',
    ]);
  });
});
