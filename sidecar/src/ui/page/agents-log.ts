/**
 * The per-agent log, one page at a time (GET /v1/runs/:id/agents?offset&limit&status): a run
 * may have 1,000 agents, and a phone must not hold them all in the DOM.
 */
import { api, errorMessage, errorStatus } from './api';
import { act, badge, fmt, h, isTerminal, STATUS_LABEL, toast, type Child } from './dom';
import type { AgentRecord, RunContext, Usage } from './types';

export const AGENT_STATUSES: readonly string[] = ['queued', 'active', 'done', 'failed', 'cancelled'];
export const AGENTS_PAGE = 50;

interface AgentPage {
  agents: AgentRecord[];
  total: number;
}

export interface AgentsPane {
  readonly el: HTMLElement;
  refresh(): Promise<void> | null;
}

function usageText(u: Usage): string {
  return fmt.tokens(fmt.totalTokens(u)) + ' tok · ' + fmt.usd(u.usd);
}

function block(title: string, text: string, cls?: string): Child {
  return [h('h4', { text: title }), h('pre.block' + (cls ? '.' + cls : ''), { text: text })];
}

export function agentsPane(ctx: RunContext): AgentsPane {
  const el = h('section.card.card-agents', { 'aria-label': 'Agents' });
  let filter = '';
  let offset = 0;
  let page: AgentPage = { agents: [], total: 0 };
  const expanded = new Set<number>();
  let loaded = false;
  let inFlight: Promise<void> | null = null;
  let again = false;

  const select = h<HTMLSelectElement>(
    'select.filter',
    { 'aria-label': 'Show agents' },
    [h('option', { value: '', text: 'All agents' })].concat(
      AGENT_STATUSES.map(function (s) {
        return h('option', { value: s, text: STATUS_LABEL[s] || s });
      }),
    ),
  );
  select.addEventListener('change', function () {
    filter = select.value;
    offset = 0;
    void fetchPage();
  });
  const summary = h('span.muted.agents-summary');
  const list = h('ol.agents');
  const prev = h<HTMLButtonElement>('button.btn.btn-secondary.btn-prev', { type: 'button', text: '‹ Previous' });
  const next = h<HTMLButtonElement>('button.btn.btn-secondary.btn-next', { type: 'button', text: 'Next ›' });
  const range = h('span.range');
  prev.addEventListener('click', function () {
    offset = Math.max(0, offset - AGENTS_PAGE);
    void fetchPage();
  });
  next.addEventListener('click', function () {
    offset += AGENTS_PAGE;
    void fetchPage();
  });
  el.append(
    h('div.pane-head', null, [h('h2', { text: 'Agents' }), summary]),
    h('div.toolbar', null, [select]),
    list,
    h('div.pager', null, [prev, range, next]),
  );

  function details(a: AgentRecord): HTMLElement {
    const run = ctx.run();
    const u = a.usage;
    const parts: Child[] = [block('Prompt', a.prompt)];
    if (a.error) parts.push(block('Error', a.error.code + ': ' + a.error.message, 'error'));
    else if (a.status === 'done') parts.push(block('Result', fmt.json(a.result)));
    const facts = ['model ' + a.model, 'attempts ' + a.attempts, fmt.tokenBreakdown(u) + ' · ' + fmt.usd(u.usd)];
    if (a.tools && a.tools.length) facts.push('tools ' + a.tools.join(', '));
    if (a.replayed) facts.push('from the journal (no model call)');
    if (a.startedAt && a.endedAt) facts.push('took ' + fmt.duration(Date.parse(a.endedAt) - Date.parse(a.startedAt)));
    parts.push(
      h(
        'ul.facts',
        null,
        facts.map(function (f) {
          return h('li', { text: f });
        }),
      ),
    );
    if (a.status === 'failed') {
      const ended = isTerminal(run.status);
      const restart = h<HTMLButtonElement>('button.btn.btn-secondary.btn-restart', {
        type: 'button',
        text: 'Restart this agent',
        disabled: !ended,
        title: ended ? null : 'An agent can be restarted once the run has ended',
      });
      restart.addEventListener('click', function () {
        const path = '/v1/runs/' + encodeURIComponent(run.id) + '/agents/' + a.seq + '/restart';
        void act(restart, api('POST', path), 'Agent ' + a.seq + ' restarted: the run replays from its journal').then(fetchPage);
      });
      parts.push(h('div.buttons', null, [restart]));
      if (!ended) parts.push(h('p.muted', { text: 'Restart becomes available once the run has ended.' }));
    }
    return h('div.agent-details', null, parts);
  }

  function row(a: AgentRecord): HTMLElement {
    const open = expanded.has(a.seq);
    const head = h('button.agent-head', { type: 'button', 'aria-expanded': open ? 'true' : 'false' }, [
      h('span.seq', { text: '#' + a.seq }),
      h('span.agent-label', { text: a.label || a.prompt.slice(0, 80) }),
      badge(a.status),
      h('span.agent-meta', { text: (a.phase ? a.phase + ' · ' : '') + usageText(a.usage) }),
    ]);
    head.addEventListener('click', function () {
      if (expanded.has(a.seq)) expanded.delete(a.seq);
      else expanded.add(a.seq);
      render();
    });
    return h('li.agent.agent-' + a.status, { dataset: { seq: a.seq, status: a.status } }, [head, open ? details(a) : null]);
  }

  function render(): void {
    const total = page.total;
    summary.textContent = loaded ? fmt.int(total) + (filter ? ' ' + (STATUS_LABEL[filter] || filter).toLowerCase() : ' in all') : '';
    if (!loaded) list.replaceChildren(h('li.muted', { text: 'Loading…' }));
    else if (page.agents.length === 0)
      list.replaceChildren(h('li.muted.empty', { text: filter ? 'No agents with this status.' : 'No agents yet.' }));
    else list.replaceChildren(...page.agents.map(row));
    range.textContent = total === 0 ? '' : offset + 1 + '–' + Math.min(total, offset + page.agents.length) + ' of ' + fmt.int(total);
    prev.disabled = offset === 0;
    next.disabled = offset + AGENTS_PAGE >= total;
  }

  /** One request at a time; a change meanwhile asks for one more. */
  function fetchPage(): Promise<void> | null {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    const q = '?offset=' + offset + '&limit=' + AGENTS_PAGE + (filter ? '&status=' + encodeURIComponent(filter) : '');
    inFlight = api<AgentPage>('GET', '/v1/runs/' + encodeURIComponent(ctx.run().id) + '/agents' + q)
      .then(
        function (res) {
          page = res;
          loaded = true;
          // The filtered set shrank under us (agents finished): go back to its last page.
          if (offset > 0 && offset >= page.total) {
            offset = Math.max(0, Math.floor((page.total - 1) / AGENTS_PAGE) * AGENTS_PAGE);
            again = true;
          }
          render();
        },
        function (err: unknown) {
          if (errorStatus(err) !== 401) toast('Agents could not be loaded: ' + errorMessage(err), 'error');
        },
      )
      .finally(function () {
        inFlight = null;
        if (again) {
          again = false;
          void fetchPage();
        }
      });
    return inFlight;
  }

  render();
  return { el: el, refresh: fetchPage };
}
