/** Name of the credential type both nodes use (credentials/DynamicWorkflowsApi.credentials.ts). */
export const CREDENTIALS_TYPE = 'dynamicWorkflowsApi';

/** The decrypted fields of a Dynamic Workflows API credential. */
export type DynamicWorkflowsApiCredentials = {
	baseUrl: string;
	token: string;
	callbackSecret?: string;
};
