/**
 * Shopify sends money as decimal strings ("24.00"). These become integer minor units of their
 * currency without ever passing through a binary float.
 */

const exponentByCurrency = new Map<string, number>();

/** Digits after the decimal point for an ISO 4217 currency (2 for GBP, 0 for JPY). */
export function currencyExponent(currency: string): number {
  const known = exponentByCurrency.get(currency);
  if (known !== undefined) {
    return known;
  }
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits;
  const exponent = digits ?? 2;
  exponentByCurrency.set(currency, exponent);
  return exponent;
}

/**
 * "24.5" in GBP is 2450. Throws a RangeError on anything that is not a plain decimal amount, and
 * on an amount of more than Number.MAX_SAFE_INTEGER minor units, which a number cannot hold
 * exactly (90,071,992,547,409.91 in a two-decimal currency): refused rather than rounded.
 */
export function toMinorUnits(amount: string | number, currency: string): number {
  const text = typeof amount === 'number' ? String(amount) : amount.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) {
    throw new RangeError(`"${text.slice(0, 40)}" is not a decimal amount`);
  }

  const [, sign = '', whole = '0', fraction = ''] = match;
  const exponent = currencyExponent(currency);
  const kept = fraction.replace(/0+$/, '');
  if (kept.length > exponent) {
    throw new RangeError(`${text} ${currency} has more than ${exponent} decimal places`);
  }

  // In BigInt, so that an amount too large for a number is seen as such and never rounded.
  const minor = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(kept.padEnd(exponent, '0') || 0);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(
      `${text.slice(0, 40)} ${currency} is ${minor} minor units, more than the ` +
        `${Number.MAX_SAFE_INTEGER} an amount can be`,
    );
  }
  return Number(sign === '-' ? -minor : minor);
}
