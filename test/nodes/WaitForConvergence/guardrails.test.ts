import { runPageUrl } from '../../../nodes/common/runPage';
import {
	isLoopbackHost,
	loopbackResumeUrlWarning,
} from '../../../nodes/WaitForConvergence/guardrails';

const hostOf = (url: string) => new URL(url).hostname;

describe('isLoopbackHost', () => {
	it.each([
		'http://localhost:5678/',
		'http://LOCALHOST./',
		'http://n8n.localhost/',
		'http://127.0.0.1:5678/',
		'http://127.1.2.3/',
		'http://[::1]:5678/',
		'http://[0:0:0:0:0:0:0:1]/',
		'http://[::ffff:127.0.0.1]/',
	])('%s is loopback', (url) => {
		expect(isLoopbackHost(hostOf(url))).toBe(true);
	});

	it.each([
		'http://n8n.example.com/',
		'http://10.0.0.5/',
		'http://128.0.0.1/',
		'http://127.example.com/',
		'http://[::2]/',
		'http://[::ffff:10.0.0.1]/',
		'http://localhost.example.com/',
	])('%s is not loopback', (url) => {
		expect(isLoopbackHost(hostOf(url))).toBe(false);
	});
});

describe('loopbackResumeUrlWarning', () => {
	it('warns about a loopback resume URL handed to a sidecar elsewhere, naming WEBHOOK_URL', () => {
		const warning = loopbackResumeUrlWarning(
			'http://localhost:5678/webhook-waiting/7?signature=secret-part',
			'https://sidecar.example.com/',
		);
		expect(warning).toContain('http://localhost:5678');
		expect(warning).toContain('https://sidecar.example.com');
		expect(warning).toContain('Set WEBHOOK_URL');
		// The resume URL's signature is not repeated in logs and hints.
		expect(warning).not.toContain('secret-part');
	});

	it('is quiet when both are on loopback, when the resume URL is not, or when a URL does not parse', () => {
		expect(
			loopbackResumeUrlWarning('http://127.0.0.1:5678/w/1', 'http://localhost:7420'),
		).toBeUndefined();
		expect(
			loopbackResumeUrlWarning('https://n8n.example.com/w/1', 'http://10.0.0.2:7420'),
		).toBeUndefined();
		expect(loopbackResumeUrlWarning('not a url', 'http://10.0.0.2:7420')).toBeUndefined();
		expect(loopbackResumeUrlWarning('http://localhost/w/1', '')).toBeUndefined();
	});
});

describe('runPageUrl', () => {
	it("links the sidecar's live page to the run, with the ID encoded", () => {
		expect(runPageUrl('http://sidecar.test:7420/', 'run 1/2')).toBe(
			'http://sidecar.test:7420/#/runs/run%201%2F2',
		);
		expect(runPageUrl('https://dw.example.com/base', 'r1')).toBe(
			'https://dw.example.com/base/#/runs/r1',
		);
	});

	it('gives nothing for a base URL that is not http(s)', () => {
		expect(runPageUrl('sidecar:7420', 'r1')).toBeUndefined();
	});
});
