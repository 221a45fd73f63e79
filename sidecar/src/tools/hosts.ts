function normalise(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/**
 * Whether `hostname` (a URL's hostname, without port) is allowed: an exact entry, or a
 * `*.suffix` entry matching any subdomain of `suffix` (not `suffix` itself). A bare `*` is
 * not a wildcard: allowing every host must be spelled out host by host.
 */
export function isHostAllowed(hostname: string, allowedHosts: readonly string[]): boolean {
  const host = normalise(hostname);
  if (host === '') return false;
  for (const raw of allowedHosts) {
    const entry = normalise(raw);
    if (entry.startsWith('*.')) {
      const suffix = entry.slice(1);
      if (suffix.length > 1 && host.endsWith(suffix) && host.length > suffix.length) return true;
    } else if (entry !== '' && entry !== '*' && entry === host) {
      return true;
    }
  }
  return false;
}
