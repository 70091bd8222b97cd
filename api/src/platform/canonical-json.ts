/**
 * JSON with object keys sorted and undefined members left out, so two equal values give equal
 * strings: the ground for idempotency keys and request fingerprints.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }

  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    const members = entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`);
    return `{${members.join(',')}}`;
  }

  return JSON.stringify(value);
}
