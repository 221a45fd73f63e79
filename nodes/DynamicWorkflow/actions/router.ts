import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';

import { SidecarApiError } from '../../common/transport/errors';
import type { DynamicWorkflowType } from './node.type';
import * as run from './run/Run.resource';
import { ExecutionStoppedError } from './run/runAndWait.operation';

/** What every `*.operation.ts` exports besides its `description`. */
type Operation = {
	execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject | IDataObject[]>;
};

/**
 * Runs the chosen operation once per input item. Each item's output is paired with it;
 * with Continue On Fail an item that failed yields `{error, code}` instead of stopping the node.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const dynamicWorkflow = {
		resource: this.getNodeParameter('resource', 0),
		operation: this.getNodeParameter('operation', 0),
	} as DynamicWorkflowType;

	if (dynamicWorkflow.resource !== 'run' || !(dynamicWorkflow.operation in run)) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${String(dynamicWorkflow.operation)}" of "${String(dynamicWorkflow.resource)}" is not supported`,
		);
	}
	const operation: Operation = run[dynamicWorkflow.operation];

	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const result = await operation.execute.call(this, itemIndex);
			returnData.push(
				...this.helpers.constructExecutionMetaData(this.helpers.returnJsonArray(result), {
					itemData: { item: itemIndex },
				}),
			);
		} catch (error) {
			// A stopped execution stops every item, Continue On Fail or not.
			if (this.continueOnFail() && !(error instanceof ExecutionStoppedError)) {
				returnData.push({ json: errorJson(error), pairedItem: { item: itemIndex } });
				continue;
			}
			throw withItemIndex(this, error, itemIndex);
		}
	}
	return [returnData];
}

function errorJson(error: unknown): IDataObject {
	const message = error instanceof Error ? error.message : String(error);
	return error instanceof SidecarApiError
		? { error: message, code: error.code }
		: { error: message };
}

/** The error as a node error that names the item it failed on. */
function withItemIndex(
	context: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError) {
		error.context.itemIndex ??= itemIndex;
		// Hands back the same instance (a NodeApiError is not wrapped twice).
		return new NodeApiError(context.getNode(), error as unknown as JsonObject);
	}
	if (error instanceof NodeOperationError) {
		error.context.itemIndex ??= itemIndex;
		return error;
	}
	return new NodeOperationError(context.getNode(), error instanceof Error ? error : String(error), {
		itemIndex,
	});
}
