import type { AllEntities } from 'n8n-workflow';

type NodeMap = {
	run: 'start' | 'runAndWait' | 'get' | 'getScript' | 'cancel' | 'approve' | 'rerun' | 'list';
};

export type DynamicWorkflowType = AllEntities<NodeMap>;
