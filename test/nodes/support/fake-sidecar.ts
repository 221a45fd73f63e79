import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RecordedRequest = {
	method: string;
	url: string;
	headers: IncomingHttpHeaders;
	body: unknown;
};

export type Reply = { status: number; body: unknown; contentType?: string };

/** A stand-in sidecar on 127.0.0.1 (port 0) that records requests and answers from a handler. */
export class FakeSidecar {
	readonly requests: RecordedRequest[] = [];

	private server: Server | undefined;

	constructor(private readonly handler: (request: RecordedRequest) => Reply) {}

	async start(): Promise<string> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				const request: RecordedRequest = {
					method: req.method ?? '',
					url: req.url ?? '',
					headers: req.headers,
					body: text ? (JSON.parse(text) as unknown) : undefined,
				};
				this.requests.push(request);
				const reply = this.handler(request);
				const contentType = reply.contentType ?? 'application/json';
				res.writeHead(reply.status, { 'content-type': contentType });
				res.end(
					contentType === 'application/json' ? JSON.stringify(reply.body) : String(reply.body),
				);
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		const { port } = this.server.address() as AddressInfo;
		return `http://127.0.0.1:${port}`;
	}

	async stop(): Promise<void> {
		await new Promise<void>((resolve) =>
			this.server ? this.server.close(() => resolve()) : resolve(),
		);
	}
}
