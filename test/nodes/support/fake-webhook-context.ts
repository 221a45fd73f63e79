import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { TEST_NODE, fakeCustomData } from './fake-execute-context';

/** What the tests' executions wait for, as execute() stored it. */
export const WAITING = { runId: 'run-5', path: '/webhook-waiting/812' };

export type FakeWebhookOptions = {
	headers: Record<string, string>;
	/** The bytes n8n kept as req.rawBody; leave out to simulate a request without them. */
	rawBody?: Buffer;
	/** The parsed body. @default rawBody parsed as JSON */
	body?: IDataObject;
	credentials: IDataObject;
	/** The execution's stored wait state (JSON). @default WAITING; null for none */
	waitState?: object | null;
};

export type Answer = { statusCode?: number; body?: string };

/** A hand-made IWebhookFunctions: the request as n8n hands it over, and a response that records. */
export function fakeWebhookContext(options: FakeWebhookOptions): {
	context: IWebhookFunctions;
	answer: Answer;
} {
	const answer: Answer = {};
	const response = {
		writeHead(status: number) {
			answer.statusCode = status;
			return response;
		},
		end(body: string) {
			answer.body = body;
			return response;
		},
	};
	const body =
		options.body ??
		(options.rawBody ? (JSON.parse(options.rawBody.toString('utf8')) as IDataObject) : {});
	const request = { headers: options.headers, body, rawBody: options.rawBody, readableEnded: true };
	const waitState = options.waitState === undefined ? WAITING : options.waitState;
	const context = {
		customData: fakeCustomData(
			waitState === null ? {} : { dynamicWorkflowsWait: JSON.stringify(waitState) },
		),
		getNode: () => TEST_NODE,
		getCredentials: async () => options.credentials,
		getHeaderData: () => options.headers,
		getBodyData: () => body,
		getRequestObject: () => request,
		getResponseObject: () => response,
	};
	return { context: context as unknown as IWebhookFunctions, answer };
}
