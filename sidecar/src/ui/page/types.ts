/** The shapes of the HTTP API's answers, as far as the page reads them. */

import type { Usage } from '../../core/usage';

export type { Usage };

export interface Counts {
  total: number;
  queued?: number;
  active?: number;
  done?: number;
  failed?: number;
  cancelled?: number;
}

export interface ErrorInfo {
  code: string;
  message: string;
}

export interface RunRecord {
  id: string;
  status: string;
  phase: string | null;
  task: string;
  options?: { tools?: string[] } | null;
  limits?: { maxParallel: number; maxAgents: number; maxUsd: number } | null;
  counts: Counts & { queued: number; active: number; done: number; failed: number };
  usage: Usage;
  result?: unknown;
  error: ErrorInfo | null;
  parentId: string | null;
  meta: { name?: unknown; description?: unknown; phases?: unknown } | null;
  createdAt: string;
  updatedAt: string;
  hasScript: boolean;
  paused: boolean;
  estimate?: { agents: number | null; usd: number | null } | null;
}

export interface AgentRecord {
  seq: number;
  status: string;
  label: string | null;
  phase: string | null;
  prompt: string;
  model: string;
  attempts: number;
  usage: Usage;
  result?: unknown;
  error?: ErrorInfo | null;
  tools?: string[];
  replayed?: boolean;
  startedAt?: string | null;
  endedAt?: string | null;
}

/** One run event as the stream carries it (fields by type; see core/types.ts RunEvent). */
export interface RunEvent {
  type: string;
  [field: string]: unknown;
}

export interface StoredEvent {
  id: number;
  runId?: string;
  at: string;
  event?: RunEvent;
}

/** What the run view hands its panes. */
export interface RunContext {
  refresh(): void;
  editScript(): void;
  run(): RunRecord;
  navigate(id: string): void;
}
