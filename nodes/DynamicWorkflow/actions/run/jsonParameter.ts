import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, JsonValue } from 'n8n-workflow';

/**
 * A `json` parameter of one item, parsed. It arrives as text when typed in, or as a value
 * when an expression such as `{{ $json.body.input }}` produced an object.
 */
export function getJsonParameter(
	this: IExecuteFunctions,
	name: string,
	displayName: string,
	itemIndex: number,
): IDataObject | JsonValue {
	const raw = this.getNodeParameter(name, itemIndex, '') as unknown;
	if (typeof raw !== 'string') return raw as IDataObject | JsonValue;
	if (raw.trim() === '') return null;
	try {
		return JSON.parse(raw) as JsonValue;
	} catch (error) {
		throw new NodeOperationError(this.getNode(), `${displayName} is not valid JSON`, {
			itemIndex,
			description: error instanceof Error ? error.message : String(error),
		});
	}
}
