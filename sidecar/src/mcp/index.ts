export { McpConnection, type McpConnectionOptions } from './connection';
export { McpSession, type McpSessionOptions, type McpTools, type McpToolListJournal, type OfferedTool } from './session';
export { keepListedTools, type ListedTools } from './tool-list';
export { resultText } from './result';
