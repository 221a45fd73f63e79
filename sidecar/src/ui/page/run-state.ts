/**
 * What the run view knows about one run beyond its record: per-agent states from the event
 * stream (for per-phase counts), the phases in order, verification rounds and recent
 * activity. Pure: no DOM, so it is tested on its own.
 */
import { isTerminal, STATUS_LABEL } from './dom';
import type { ErrorInfo, RunEvent, RunRecord, StoredEvent } from './types';

export const NO_PHASE = '(no phase)';
export const MAX_ACTIVITY = 300;

type AgentState = 'queued' | 'active' | 'done' | 'failed';

export interface PhaseCounts {
  name: string;
  total: number;
  queued: number;
  active: number;
  done: number;
  failed: number;
  cancelled: number;
}

export interface Round {
  helper: unknown;
  round: unknown;
  agreement: number | null | undefined;
  survivors: unknown;
}

export interface Activity {
  at: string;
  kind: string;
  text: string;
}

/** What apply() says changed: refetch the record, redraw agents, phases, budget or rounds, or nothing. */
export type Change = 'record' | 'agents' | 'phase' | 'budget' | 'rounds' | null;

export interface RunState {
  run: RunRecord;
  lastEventId: number;
  rounds: Round[];
  activity: Activity[];
  throttle: { concurrency: unknown; reason: unknown } | null;
  setRun(fresh: RunRecord): void;
  apply(stored: StoredEvent | null | undefined): Change;
  phases(): PhaseCounts[];
}

const errorText = (e: unknown): string => {
  const err = e as ErrorInfo | null | undefined;
  return err ? err.code + ': ' + err.message : '';
};

export function createRunState(initial: RunRecord): RunState {
  const agents = new Map<unknown, { label: unknown; phase: string; status: AgentState }>();
  const phaseOrder: string[] = [];

  function notePhase(name: unknown): string {
    const p = typeof name === 'string' && name ? name : NO_PHASE;
    if (phaseOrder.indexOf(p) < 0) phaseOrder.push(p);
    return p;
  }

  function setAgent(e: RunEvent, status: AgentState): void {
    const prev = agents.get(e.seq);
    agents.set(e.seq, {
      label: e.label !== undefined ? e.label : prev ? prev.label : null,
      phase: notePhase(e.phase !== undefined ? e.phase : prev ? prev.phase : null),
      status: status,
    });
  }

  const state: RunState = {
    run: initial,
    lastEventId: 0,
    rounds: [],
    activity: [],
    throttle: null,

    /** A fresh record from GET /v1/runs/:id; its meta may name phases the stream has not reached yet. */
    setRun(fresh) {
      state.run = fresh;
      const phases = fresh.meta ? fresh.meta.phases : undefined;
      if (Array.isArray(phases))
        phases.forEach(function (p: unknown) {
          if (typeof p === 'string') notePhase(p);
        });
    },

    /** Applies one stored event; returns what changed: 'record' (refetch the run), 'agents', or null. */
    apply(stored) {
      if (!stored || typeof stored.id !== 'number' || stored.id <= state.lastEventId) return null;
      state.lastEventId = stored.id;
      const e: RunEvent = stored.event || { type: '' };
      const r = state.run;
      const note = (kind: string, text: string): void => {
        state.activity.push({ at: stored.at, kind: kind, text: text });
        if (state.activity.length > MAX_ACTIVITY) state.activity.splice(0, state.activity.length - MAX_ACTIVITY);
      };
      const s = (v: unknown): string => String(v);
      switch (e.type) {
        case 'run.status':
          r.status = s(e.status);
          if (e.error !== undefined) r.error = e.error as ErrorInfo | null;
          note('status', 'Status: ' + (STATUS_LABEL[r.status] || r.status) + (e.error ? ' (' + errorText(e.error) + ')' : ''));
          return 'record';
        case 'run.script':
          r.hasScript = true;
          note('script', 'Script from ' + (e.workflow ? 'saved workflow ' + s(e.workflow) : s(e.source)));
          return 'record';
        case 'phase':
          r.phase = s(e.name);
          notePhase(e.name);
          note('phase', 'Phase: ' + s(e.name));
          return 'phase';
        case 'agent.queued':
          setAgent(e, 'queued');
          return 'agents';
        case 'agent.started':
          setAgent(e, 'active');
          return 'agents';
        case 'agent.completed':
          setAgent(e, 'done');
          return 'agents';
        case 'agent.failed':
          setAgent(e, 'failed');
          note('error', 'Agent ' + s(e.seq) + (e.label ? ' (' + s(e.label) + ')' : '') + ' failed: ' + errorText(e.error));
          return 'agents';
        case 'agent.retry':
          note('retry', 'Agent ' + s(e.seq) + ' retry ' + s(e.attempt) + ' in ' + s(e.delayMs) + ' ms: ' + s(e.reason));
          return null;
        case 'budget':
          if (e.usage) r.usage = e.usage as RunRecord['usage'];
          if (e.counts) r.counts = e.counts as RunRecord['counts'];
          return 'budget';
        case 'throttle':
          state.throttle = { concurrency: e.concurrency, reason: e.reason };
          note('throttle', 'Concurrency ' + s(e.concurrency) + ': ' + s(e.reason));
          return 'budget';
        case 'verify.round':
          state.rounds.push({
            helper: e.helper,
            round: e.round,
            agreement: e.agreement as number | null | undefined,
            survivors: e.survivors,
          });
          return 'rounds';
        case 'log':
          note('log', s(e.message));
          // Pause, resume, approval and restarts are announced as log lines; the record has the truth.
          return 'record';
        case 'callback.delivered':
          note('callback', 'Callback ' + s(e.status) + ' delivered to ' + s(e.url) + ' (HTTP ' + s(e.httpStatus) + ')');
          return null;
        case 'callback.failed':
          note('error', 'Callback ' + s(e.status) + ' to ' + s(e.url) + ' failed: ' + s(e.reason));
          return null;
        default:
          return null;
      }
    },

    /**
     * Agent counts per phase, in phase order. Once the run has ended, agents the stream last saw
     * queued or active were stopped with it (cancelled at dispatch sends no event).
     */
    phases() {
      const ended = isTerminal(state.run.status);
      const by = new Map<string, PhaseCounts>();
      phaseOrder.forEach(function (p) {
        by.set(p, { name: p, total: 0, queued: 0, active: 0, done: 0, failed: 0, cancelled: 0 });
      });
      agents.forEach(function (a) {
        const c = by.get(a.phase);
        if (!c) return;
        c.total++;
        const st: AgentState | 'cancelled' = ended && (a.status === 'queued' || a.status === 'active') ? 'cancelled' : a.status;
        c[st]++;
      });
      return phaseOrder
        .map((p) => by.get(p) as PhaseCounts)
        .filter(function (c) {
          return c.total > 0 || c.name !== NO_PHASE;
        });
    },
  };
  state.setRun(initial);
  return state;
}
