/** The sidecar's live page for a run (`GET /`, routed by the hash); undefined for a base URL that is not http(s). */
export function runPageUrl(sidecarBaseUrl: string, runId: string): string | undefined {
	const base = String(sidecarBaseUrl ?? '').replace(/\/+$/, '');
	if (!/^https?:\/\//i.test(base)) return undefined;
	return `${base}/#/runs/${encodeURIComponent(runId)}`;
}
