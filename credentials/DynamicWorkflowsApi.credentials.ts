import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class DynamicWorkflowsApi implements ICredentialType {
	name = 'dynamicWorkflowsApi';

	displayName = 'Dynamic Workflows API';

	icon = {
		light: 'file:dynamicWorkflows.svg',
		dark: 'file:dynamicWorkflows.dark.svg',
	} as const;

	documentationUrl = 'https://example.invalid/n8n-nodes-dynamic-workflows#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Sidecar Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://127.0.0.1:7420',
			placeholder: 'http://127.0.0.1:7420',
			description:
				'Where the dynamic-workflows sidecar listens (DW_HOST and DW_PORT of `dynamic-workflows serve`)',
			required: true,
		},
		{
			displayName: 'API Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'The sidecar token (DW_TOKEN). It is sent as a bearer token and, unless a callback secret is set below, also verifies the signature of the callbacks that resume Wait for Convergence.',
			required: true,
		},
		{
			displayName: 'Callback Secret',
			name: 'callbackSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Only when the sidecar signs callbacks with its own secret (DW_CALLBACK_SECRET); leave empty to verify them with the API token',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.token}}',
			},
		},
	};

	// Listing runs needs the token, so a wrong token fails the test (GET /healthz would not).
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/v1/runs',
			qs: { limit: 1 },
		},
	};
}
