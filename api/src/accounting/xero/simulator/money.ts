// Exact decimal arithmetic for the Xero simulator: amounts arrive as JSON numbers (10.8) or
// numeric strings and are held as bigint counts of a fixed scale (cents, or ten-thousandths for
// quantities and four-decimal unit prices), so 12.45 / 6 never lands on the wrong penny.
// Leaves out: currencies with other than two decimals (JPY, KWD); the organisations simulated
// here keep their books in GBP, EUR and USD.

/** Cents are scale 2; quantities and `unitdp=4` unit amounts are scale 4. */
export const centsScale = 2;
export const fineScale = 4;

const decimalPattern = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * The value as a count of 10^-scale units, rounded half away from zero (as Xero rounds), or
 * undefined when it is not a plain decimal number.
 */
export function toUnits(value: unknown, scale: number): bigint | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const match = decimalPattern.exec(text.trim());
  if (!match) {
    return undefined;
  }

  const [, sign, whole = '0', fraction = ''] = match;
  const kept = fraction.slice(0, scale).padEnd(scale, '0');
  const roundsUp = (fraction[scale] ?? '0') >= '5';
  const magnitude = BigInt(whole + kept) + (roundsUp ? 1n : 0n);

  return sign ? -magnitude : magnitude;
}

/** numerator / denominator rounded half away from zero. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (n * 2n + d) / (d * 2n);

  return negative ? -quotient : quotient;
}

/** A count of 10^-scale units as the JSON number Xero answers (107.1 for 10710 cents). */
export function fromUnits(units: bigint, scale: number): number {
  return Number(units) / 10 ** scale;
}

export function sum(values: readonly bigint[]): bigint {
  return values.reduce((total, value) => total + value, 0n);
}
