import type { NodeExecutionHint } from 'n8n-workflow';

/**
 * Whether a URL's host is this machine's loopback (localhost, 127.0.0.0/8, ::1): an address
 * that means "here" to whoever uses it, so a resume URL with it is useless to a sidecar on
 * another machine. `hostname` as URL gives it (IPv6 in brackets, already canonical).
 */
export function isLoopbackHost(hostname: string): boolean {
	const host = hostname
		.toLowerCase()
		.replace(/^\[(.*)\]$/, '$1')
		.replace(/\.$/, '');
	return (
		host === 'localhost' ||
		host.endsWith('.localhost') ||
		host === '::1' ||
		/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
		// ::ffff:127.x.y.z, as URL writes it.
		/^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host)
	);
}

function hostOf(url: string): string | undefined {
	try {
		return new URL(url).hostname;
	} catch {
		return undefined;
	}
}

/**
 * The classic WEBHOOK_URL mistake: n8n builds its resume URLs from WEBHOOK_URL (default
 * http://localhost:5678/), so behind a proxy or in a container without it the sidecar is handed
 * a loopback URL it cannot reach, and the callback never arrives. A warning when the resume URL
 * is loopback but the sidecar is not (a sidecar on loopback runs on this machine and can reach
 * it); undefined otherwise.
 */
export function loopbackResumeUrlWarning(
	resumeUrl: string,
	sidecarBaseUrl: string,
): string | undefined {
	const resumeHost = hostOf(resumeUrl);
	const sidecarHost = hostOf(sidecarBaseUrl);
	if (!resumeHost || !sidecarHost) return undefined;
	if (!isLoopbackHost(resumeHost) || isLoopbackHost(sidecarHost)) return undefined;
	return (
		`The resume URL this node hands to the sidecar is on ${new URL(resumeUrl).origin}, a loopback address, ` +
		`but the sidecar is at ${new URL(sidecarBaseUrl).origin}: it most likely cannot reach n8n there, and the ` +
		`run's callback will not arrive (the execution then waits until its time limit). Set WEBHOOK_URL in n8n's ` +
		`environment to the address the sidecar reaches n8n at (e.g. https://n8n.example.com/) and restart n8n.`
	);
}

export const warningHint = (message: string): NodeExecutionHint => ({
	type: 'warning',
	location: 'outputPane',
	message,
});

export const infoHint = (message: string): NodeExecutionHint => ({
	type: 'info',
	location: 'outputPane',
	message,
});
