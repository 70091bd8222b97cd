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

/** "24.5" in GBP is 2450. Throws on anything that is not a plain decimal amount. */
export function toMinorUnits(amount: string | number, currency: string): number {
  const text = typeof amount === 'number' ? String(amount) : amount.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) {
    throw new RangeError(`"${text}" is not a decimal amount`);
  }

  const [, sign = '', whole = '0', fraction = ''] = match;
  const exponent = currencyExponent(currency);
  if (fraction.replace(/0+$/, '').length > exponent) {
    throw new RangeError(`${text} ${currency} has more than ${exponent} decimal places`);
  }

  const minor = Number(whole) * 10 ** exponent + Number(fraction.padEnd(exponent, '0') || '0');
  if (!Number.isSafeInteger(minor)) {
    throw new RangeError(`${text} ${currency} is too large`);
  }
  return sign === '-' ? -minor : minor;
}
