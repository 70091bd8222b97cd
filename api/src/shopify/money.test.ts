import { describe, expect, it } from 'vitest';

import { toMinorUnits } from './money.ts';

describe('toMinorUnits', () => {
  it('reads decimal amounts in the digits of their currency', () => {
    expect(toMinorUnits('24.5', 'GBP')).toBe(2450);
    expect(toMinorUnits('24.500', 'GBP')).toBe(2450);
    expect(toMinorUnits(' 1500 ', 'JPY')).toBe(1500);
    expect(toMinorUnits('-4.05', 'EUR')).toBe(-405);
    expect(toMinorUnits('-0.00', 'GBP')).toBe(0);
    expect(toMinorUnits(12.3, 'GBP')).toBe(1230);
  });

  it('reads amounts beyond 32 bits of minor units exactly', () => {
    expect(toMinorUnits('30000000.00', 'GBP')).toBe(3_000_000_000);
    expect(toMinorUnits('90071992547409.91', 'GBP')).toBe(Number.MAX_SAFE_INTEGER);
    expect(toMinorUnits('-90071992547409.91', 'GBP')).toBe(-Number.MAX_SAFE_INTEGER);
  });

  it('refuses an amount a number cannot hold exactly, rather than rounding it', () => {
    expect(() => toMinorUnits('90071992547409.92', 'GBP')).toThrow(
      new RangeError(
        '90071992547409.92 GBP is 9007199254740992 minor units, more than the ' +
          '9007199254740991 an amount can be',
      ),
    );
    expect(() => toMinorUnits('9007199254740993', 'JPY')).toThrow(RangeError);
    expect(() => toMinorUnits(1e21, 'GBP')).toThrow('"1e+21" is not a decimal amount');
  });

  it('refuses more decimals than the currency has', () => {
    expect(() => toMinorUnits('24.505', 'GBP')).toThrow('24.505 GBP has more than 2 decimal');
    expect(() => toMinorUnits('1500.5', 'JPY')).toThrow('1500.5 JPY has more than 0 decimal');
  });
});
