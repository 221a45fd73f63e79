import { NodeOperationError, WAIT_INDEFINITELY } from 'n8n-workflow';
import type { IExecuteFunctions } from 'n8n-workflow';

import { CALLBACK_EVENTS, type CallbackEvent } from '../common/types';

const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

/** The states of Resume On; at least one. */
export function resumeEventsOf(this: IExecuteFunctions): CallbackEvent[] {
	const events = (this.getNodeParameter('events', 0, []) as string[]).filter(
		(e): e is CallbackEvent => CALLBACK_EVENTS.includes(e as CallbackEvent),
	);
	if (!events.length) {
		throw new NodeOperationError(
			this.getNode(),
			'Resume On is empty: choose at least one state of the run',
			{
				itemIndex: 0,
			},
		);
	}
	return events;
}

/** When the wait ends at the latest: the time limit, or never. */
export function waitTillOf(this: IExecuteFunctions): Date {
	if (!(this.getNodeParameter('limitWaitTime', 0, false) as boolean)) return WAIT_INDEFINITELY;
	const amount = this.getNodeParameter('limitAmount', 0, 1) as number;
	const unit = this.getNodeParameter('limitUnit', 0, 'hours') as keyof typeof UNIT_MS;
	if (!(unit in UNIT_MS) || !Number.isFinite(amount) || amount <= 0) {
		throw new NodeOperationError(
			this.getNode(),
			'The time limit needs a positive amount of minutes, hours or days',
			{
				itemIndex: 0,
			},
		);
	}
	return new Date(Date.now() + amount * UNIT_MS[unit]);
}
