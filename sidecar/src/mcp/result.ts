/** A content block of an MCP tool result, as far as the sidecar reads it. */
interface Block {
  readonly type?: unknown;
  readonly text?: unknown;
  readonly mimeType?: unknown;
  readonly data?: unknown;
  readonly uri?: unknown;
  readonly resource?: { readonly uri?: unknown; readonly text?: unknown; readonly mimeType?: unknown };
}

/**
 * An MCP `tools/call` result as the text of a tool_result: text blocks as they are, embedded
 * text resources by their text, other media by a short note (subagents get text only), and
 * `structuredContent` as JSON when there is no content to show.
 */
export function resultText(result: {
  readonly content?: unknown;
  readonly structuredContent?: unknown;
  readonly toolResult?: unknown;
}): string {
  const parts: string[] = [];
  const content = Array.isArray(result.content) ? (result.content as Block[]) : [];
  for (const b of content) {
    if (b === null || typeof b !== 'object') continue;
    if (b.type === 'text' && typeof b.text === 'string') parts.push(b.text);
    else if (b.type === 'resource' && b.resource && typeof b.resource.text === 'string') parts.push(b.resource.text);
    else if (b.type === 'resource' && b.resource)
      parts.push(`[resource ${String(b.resource.uri)} (${String(b.resource.mimeType ?? 'binary')})]`);
    else if (b.type === 'resource_link') parts.push(`[resource link ${String(b.uri)}]`);
    else if (b.type === 'image' || b.type === 'audio')
      parts.push(`[${b.type} ${String(b.mimeType ?? '')}, ${typeof b.data === 'string' ? b.data.length : 0} base64 characters, not shown]`);
  }
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  // Servers of the 2024-10-07 protocol answer with `toolResult` instead of content.
  if (parts.length === 0 && result.toolResult !== undefined)
    parts.push(typeof result.toolResult === 'string' ? result.toolResult : JSON.stringify(result.toolResult));
  return parts.join('\n');
}
