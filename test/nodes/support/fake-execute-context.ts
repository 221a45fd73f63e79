import { constructExecutionMetaData, returnJsonArray } from 'n8n-core';
import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';

/** A parameter value, or one per item. */
export type ParameterValue = unknown | ((itemIndex: number) => unknown);

export type FakeContextOptions = {
	/** Input items' JSON. @default one empty item */
	items?: IDataObject[];
	params: Record<string, ParameterValue>;
	continueOnFail?: boolean;
	resumeUrl?: string;
	/** @default a sidecar at http://sidecar.test:7420 */
	credentials?: IDataObject;
	/** The execution's custom data before the node runs. @default none */
	customData?: Record<string, string>;
};

/** n8n's execution custom data, in memory, with its limit of 10 keys (a set beyond it is dropped). */
export function fakeCustomData(initial: Record<string, string> = {}) {
	const data: Record<string, string> = { ...initial };
	return {
		data,
		set(key: string, value: string) {
			if (!(key in data) && Object.keys(data).length >= 10) return;
			data[key] = String(value);
		},
		setAll(obj: Record<string, string>) {
			for (const [k, v] of Object.entries(obj)) this.set(k, v);
		},
		get: (key: string) => data[key],
		getAll: () => ({ ...data }),
	};
}

export type FakeExecuteContext = IExecuteFunctions & {
	putExecutionToWait: jest.Mock<Promise<void>, [Date]>;
	evaluateExpression: jest.Mock;
	httpRequestWithAuthentication: jest.Mock;
};

export const TEST_NODE: INode = {
	id: 'node-1',
	name: 'Node Under Test',
	type: 'n8n-nodes-dynamic-workflows.dynamicWorkflow',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

const MISSING = Symbol('missing');

function lookup(params: Record<string, ParameterValue>, name: string, itemIndex: number): unknown {
	const [head, ...rest] = name.split('.');
	let value: unknown = head in params ? params[head] : MISSING;
	if (typeof value === 'function') value = (value as (i: number) => unknown)(itemIndex);
	for (const key of rest) {
		if (value === MISSING || value === null || typeof value !== 'object' || !(key in value))
			return MISSING;
		value = (value as Record<string, unknown>)[key];
	}
	return value;
}

/**
 * A hand-made IExecuteFunctions for unit tests of one node: parameters from a table, n8n-core's
 * own item helpers, and jest mocks for what talks to the outside (HTTP, waiting, expressions).
 */
export function fakeExecuteContext(options: FakeContextOptions): FakeExecuteContext {
	const items: INodeExecutionData[] = (options.items ?? [{}]).map((json) => ({ json }));
	const putExecutionToWait = jest.fn<Promise<void>, [Date]>(async () => undefined);
	const evaluateExpression = jest.fn((expression: string) =>
		expression.includes('$execution.resumeUrl') ? options.resumeUrl : undefined,
	);
	const httpRequestWithAuthentication = jest.fn();
	const context = {
		customData: fakeCustomData(options.customData),
		getInputData: () => items,
		getNode: () => TEST_NODE,
		continueOnFail: () => options.continueOnFail ?? false,
		getNodeParameter(name: string, itemIndex: number, ...fallback: unknown[]) {
			const value = lookup(options.params, name, itemIndex);
			if (value !== MISSING && value !== undefined) return value;
			if (fallback.length) return fallback[0];
			throw new Error(`Could not get parameter "${name}"`);
		},
		getCredentials: async () =>
			options.credentials ?? { baseUrl: 'http://sidecar.test:7420', token: 'test-token' },
		evaluateExpression,
		putExecutionToWait,
		httpRequestWithAuthentication,
		helpers: { constructExecutionMetaData, returnJsonArray, httpRequestWithAuthentication },
	};
	return context as unknown as FakeExecuteContext;
}
