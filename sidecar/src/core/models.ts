/**
 * Model aliases: the short names Claude Code's workflow scripts use in `agent(…, { model })`
 * (and in `meta.phases[].model`), mapped to a concrete model id for each provider. The one table;
 * the README's compatibility section prints it. An id that is not an alias passes through as it is.
 */
import type { ProviderName } from './names';

export const MODEL_ALIASES = ['haiku', 'sonnet', 'opus'] as const;
export type ModelAlias = (typeof MODEL_ALIASES)[number];

/**
 * The newest model of each family per provider (the families and versions of the price table in
 * providers/pricing.ts). Bedrock takes the global cross-region inference profile, as its default
 * model does; Vertex AI and Foundry take the plain id (a Foundry deployment named after its model).
 * The offline model answers any id; its aliases keep the family visible in the agent log.
 */
export const MODEL_ALIAS_TABLE: Readonly<Record<ProviderName, Readonly<Record<ModelAlias, string>>>> = {
  anthropic: { haiku: 'claude-haiku-5-5', sonnet: 'claude-sonnet-5-5', opus: 'claude-opus-5-5' },
  bedrock: {
    haiku: 'global.anthropic.claude-haiku-5-5',
    sonnet: 'global.anthropic.claude-sonnet-5-5',
    opus: 'global.anthropic.claude-opus-5-5',
  },
  vertex: { haiku: 'claude-haiku-5-5', sonnet: 'claude-sonnet-5-5', opus: 'claude-opus-5-5' },
  foundry: { haiku: 'claude-haiku-5-5', sonnet: 'claude-sonnet-5-5', opus: 'claude-opus-5-5' },
  offline: { haiku: 'offline-claude-haiku', sonnet: 'offline-claude-sonnet', opus: 'offline-claude-opus' },
};

export const isModelAlias = (s: string): s is ModelAlias => (MODEL_ALIASES as readonly string[]).includes(s);

/** The concrete model id for `model` on `provider`: an alias from the table, anything else unchanged. */
export function resolveModel(provider: ProviderName, model: string): string {
  const alias = model.trim().toLowerCase();
  // A provider outside the table (a test double) keeps the alias as its model id.
  const table = (MODEL_ALIAS_TABLE as Partial<Record<string, Readonly<Record<ModelAlias, string>>>>)[provider];
  return isModelAlias(alias) && table ? table[alias] : model;
}
