/**
 * JSON with object keys sorted, so equal values give equal text whatever their key order:
 * the journal's call fingerprints, the verification helpers' answer keys and the offline
 * model's request hashes all compare values this way. Keys whose value is undefined are left
 * out (as JSON.stringify does); so are the keys named in `omit`, at any depth. A value JSON
 * cannot write (undefined, a function) is written as null.
 *
 * Free of imports: the isolate bundle (verification helpers) includes it as it is.
 */
export function canonicalJson(value: unknown, omit?: ReadonlySet<string>): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, omit)).join(',')}]`;
  const o = value as Readonly<Record<string, unknown>>;
  const keys = Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined && !omit?.has(k));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k], omit)}`).join(',')}}`;
}
