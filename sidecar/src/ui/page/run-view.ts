/**
 * One run, live: the record from GET /v1/runs/:id, kept current by its event stream
 * (GET /v1/runs/:id/events, replayed from the start so per-phase counts are complete).
 * Tabs: overview, agents, script, activity; on a wide screen the overview stays in the
 * left column and the chosen tab fills the right one.
 */
import * as actions from './actions';
import { agentsPane, type AgentsPane } from './agents-log';
import { api, errorMessage, errorStatus, stream, throttle, type StreamState } from './api';
import { badge, elapsed, fmt, h, isTerminal, title, toast } from './dom';
import * as overviewParts from './run-overview';
import { createRunState, type RunState } from './run-state';
import { scriptPane, type ScriptPane } from './script-view';
import type { RunContext, RunRecord, StoredEvent } from './types';

export const RUN_TABS: readonly string[] = ['overview', 'agents', 'script', 'activity'];

const SLOTS = ['approval', 'actions', 'stats', 'outcome', 'phases', 'rounds', 'details'] as const;
type Slot = (typeof SLOTS)[number];

export interface RunView {
  readonly runId: string;
  setTab(t: string): void;
  dispose(): void;
}

export function runView(root: HTMLElement, runId: string, initialTab: string): RunView {
  let tab = initialTab;
  let disposed = false;
  let state: RunState | null = null;
  let closeStream: (() => void) | null = null;
  const slots = {} as Record<Slot, HTMLElement>;
  const keys: Partial<Record<Slot, string>> = {};
  const base = '/v1/runs/' + encodeURIComponent(runId);

  const view = h('div.run-view', { dataset: { tab: tab, runId: runId } });
  const head = h('header.run-head');
  const conn = h('span.conn', { role: 'status', text: 'connecting…', dataset: { state: 'connecting' } });
  const tabs = h(
    'nav.tabs',
    { 'aria-label': 'Run sections' },
    RUN_TABS.map(function (t) {
      return h('a.tab.tab-' + t, {
        href: '#/runs/' + encodeURIComponent(runId) + '/' + t,
        text: t.charAt(0).toUpperCase() + t.slice(1),
        dataset: { tab: t },
      });
    }),
  );
  const overview = h('div.pane.pane-overview');
  SLOTS.forEach(function (name) {
    slots[name] = h('div.slot.slot-' + name);
    overview.appendChild(slots[name]);
  });
  const agentsHolder = h('div.pane.pane-agents');
  const scriptHolder = h('div.pane.pane-script');
  const activityHolder = h('div.pane.pane-activity');
  view.append(head, tabs, h('div.run-cols', null, [overview, h('div.side', null, [agentsHolder, scriptHolder, activityHolder])]));
  root.replaceChildren(view);
  view.appendChild(h('p.muted.loading', { text: 'Loading the run…' }));

  let agents: AgentsPane | null = null;
  let script: ScriptPane | null = null;

  function setTab(t: string): void {
    tab = RUN_TABS.indexOf(t) >= 0 ? t : 'overview';
    view.dataset.tab = tab;
    tabs.querySelectorAll<HTMLElement>('.tab').forEach(function (a) {
      if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    if (tab === 'script' && script) script.show();
    if (state) renderActivity(state);
  }

  /** Replaces a slot's content when its key changed (or always, with no key). */
  function fill(name: Slot, key: string | undefined, build: () => HTMLElement | null): void {
    if (key !== undefined && keys[name] === key) return;
    keys[name] = key;
    const node = build();
    slots[name].replaceChildren(...(node ? [node] : []));
  }

  function renderHead(r: RunRecord): void {
    head.replaceChildren(
      h('a.back', { href: '#/runs', text: '‹ All runs' }),
      h('h1.run-title', { text: title(r) }),
      h('div.run-sub', null, [
        badge(r.status),
        r.paused ? h('span.tag.tag-paused', { text: 'paused' }) : null,
        r.phase ? h('span.run-phase', { text: 'phase ' + r.phase }) : null,
        conn,
      ]),
    );
  }

  function renderOverview(s: RunState): void {
    const r = s.run;
    renderHead(r);
    fill('approval', r.status + '|' + JSON.stringify(r.estimate), function () {
      return actions.approval(s, ctx);
    });
    fill('actions', actions.barKey(r), function () {
      return actions.bar(s, ctx);
    });
    fill('stats', undefined, function () {
      return overviewParts.stats(s);
    });
    fill('outcome', r.status + '|' + (r.error ? r.error.code : '') + '|' + r.updatedAt, function () {
      return overviewParts.outcome(s);
    });
    fill('phases', undefined, function () {
      return overviewParts.phases(s);
    });
    fill('rounds', String(s.rounds.length), function () {
      return overviewParts.rounds(s);
    });
    fill('details', String(r.parentId) + '|' + (r.meta ? JSON.stringify(r.meta) : ''), function () {
      return overviewParts.details(s);
    });
  }

  function renderActivity(s: RunState): void {
    if (tab !== 'activity') return;
    activityHolder.replaceChildren(overviewParts.activity(s));
  }

  const redraw = throttle(function () {
    if (!disposed && state) {
      renderOverview(state);
      renderActivity(state);
    }
  }, 150);
  const refreshAgents = throttle(function () {
    if (!disposed && agents) void agents.refresh();
  }, 1000);
  const refetch = throttle(function () {
    api<RunRecord>('GET', base).then(
      function (fresh) {
        if (disposed || !state) return;
        state.setRun(fresh);
        if (script) script.update();
        redraw();
      },
      function () {
        /* the stream or the next event tries again */
      },
    );
  }, 300);

  const ctx: RunContext = {
    refresh: function () {
      refetch();
      refreshAgents();
    },
    editScript: function () {
      location.hash = '#/runs/' + encodeURIComponent(runId) + '/script';
      if (script) script.edit();
    },
    run: function () {
      return (state as RunState).run;
    },
    navigate: function (id) {
      location.hash = '#/runs/' + encodeURIComponent(id);
    },
  };

  function onEvent(stored: StoredEvent): void {
    if (disposed || !state) return;
    const changed = state.apply(stored);
    if (changed === 'record') {
      refetch();
      refreshAgents();
    }
    if (changed === 'agents') refreshAgents();
    redraw();
  }

  function onState(s: StreamState): void {
    conn.dataset.state = s;
    conn.textContent = s === 'live' ? 'live' : s === 'closed' ? 'disconnected' : 'reconnecting…';
    if (s === 'closed') {
      // A refused stream (signed out, or the run is gone): find out which, and say so.
      api('GET', base).catch(function (err: unknown) {
        if (errorStatus(err) !== 401) toast(errorMessage(err), 'error');
      });
    }
  }

  const ticker = setInterval(function () {
    if (!state || isTerminal(state.run.status)) return;
    const el = view.querySelector('.stat-elapsed .stat-value');
    if (el) el.textContent = fmt.duration(elapsed(state.run));
  }, 1000);

  api<RunRecord>('GET', base).then(
    function (run) {
      if (disposed) return;
      const loading = view.querySelector('.loading');
      if (loading) loading.remove();
      const s = createRunState(run);
      state = s;
      const a = agentsPane(ctx);
      const sp = scriptPane(ctx);
      agents = a;
      script = sp;
      agentsHolder.replaceChildren(a.el);
      scriptHolder.replaceChildren(sp.el);
      document.title = title(run) + ' · Dynamic workflows';
      renderOverview(s);
      setTab(tab);
      void a.refresh();
      sp.update();
      closeStream = stream(base + '/events', onEvent, onState);
    },
    function (err: unknown) {
      if (disposed) return;
      view.replaceChildren(
        h('a.back', { href: '#/runs', text: '‹ All runs' }),
        h('p.error', {
          role: 'alert',
          text: errorStatus(err) === 404 ? 'No run ' + runId + '.' : 'The run could not be loaded: ' + errorMessage(err),
        }),
      );
    },
  );

  setTab(tab);
  return {
    runId: runId,
    setTab: setTab,
    dispose: function () {
      disposed = true;
      clearInterval(ticker);
      if (closeStream) closeStream();
    },
  };
}
