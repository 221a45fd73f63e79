/** Every route of the README's HTTP API table (GET / aside), plus /metrics and /openapi.json. */
export interface RouteRow {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly public?: boolean;
  readonly stream?: boolean;
}

export const ROUTES: readonly RouteRow[] = [
  { method: 'GET', path: '/healthz', public: true },
  { method: 'POST', path: '/v1/runs' },
  { method: 'GET', path: '/v1/runs' },
  { method: 'GET', path: '/v1/runs/:id' },
  { method: 'GET', path: '/v1/runs/:id/script' },
  { method: 'GET', path: '/v1/runs/:id/agents' },
  { method: 'GET', path: '/v1/runs/:id/events', stream: true },
  { method: 'GET', path: '/v1/events', stream: true },
  { method: 'POST', path: '/v1/runs/:id/cancel' },
  { method: 'POST', path: '/v1/runs/:id/approve' },
  { method: 'POST', path: '/v1/runs/:id/callbacks' },
  { method: 'POST', path: '/v1/callbacks' },
  { method: 'GET', path: '/v1/callbacks/:id' },
  { method: 'POST', path: '/v1/runs/:id/rerun' },
  { method: 'POST', path: '/v1/runs/:id/pause' },
  { method: 'POST', path: '/v1/runs/:id/resume' },
  { method: 'POST', path: '/v1/runs/:id/agents/:seq/restart' },
  { method: 'GET', path: '/v1/workflows' },
  { method: 'POST', path: '/v1/workflows' },
  { method: 'GET', path: '/v1/workflows/:name' },
  { method: 'DELETE', path: '/v1/workflows/:name' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/openapi.json' },
];

export function concrete(path: string, id: string, seq = 0): string {
  return path.replace(':id', encodeURIComponent(id)).replace(':seq', String(seq)).replace(':name', 'a-saved-workflow');
}
