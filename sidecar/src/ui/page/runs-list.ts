/** All runs, newest first, filtered by status; refreshed every 2 s while the page is visible. */
import { api, errorMessage, errorStatus } from './api';
import { badge, fmt, h, progress, RUN_STATUSES, STATUS_LABEL, title, toast } from './dom';
import type { RunRecord } from './types';

export const RUNS_REFRESH_MS = 2000;

interface RunsPage {
  runs: RunRecord[];
  nextCursor: string | null;
}

export function runsView(root: HTMLElement, params: Readonly<Record<string, string>>): { dispose(): void } {
  let disposed = false;
  const status = RUN_STATUSES.indexOf(params.status) >= 0 ? params.status : '';
  let runs: RunRecord[] = [];
  let nextCursor: string | null = null;
  let pages = 1;
  let loaded = false;
  let busy = false;

  const select = h<HTMLSelectElement>(
    'select.filter',
    { 'aria-label': 'Filter by status' },
    [h('option', { value: '', text: 'All statuses' })].concat(
      RUN_STATUSES.map(function (s) {
        return h('option', { value: s, text: STATUS_LABEL[s] });
      }),
    ),
  );
  select.value = status;
  select.addEventListener('change', function () {
    location.hash = select.value ? '#/runs?status=' + encodeURIComponent(select.value) : '#/runs';
  });
  const list = h('ol.runs');
  const more = h<HTMLButtonElement>('button.btn.btn-secondary.btn-more', { type: 'button', text: 'Show more' });
  more.addEventListener('click', function () {
    pages++;
    load();
  });
  const count = h('span.muted.runs-count');
  root.replaceChildren(
    h('div.runs-view', null, [h('div.pane-head', null, [h('h1', { text: 'Runs' }), count]), h('div.toolbar', null, [select]), list, more]),
  );
  document.title = 'Runs · Dynamic workflows';

  function card(r: RunRecord): HTMLElement {
    const c = r.counts;
    const figures = [fmt.int(c.done) + '/' + fmt.int(c.total) + ' agents'];
    if (c.failed) figures.push(c.failed + ' failed');
    if (c.active) figures.push(c.active + ' active');
    figures.push(fmt.tokens(fmt.totalTokens(r.usage)) + ' tok');
    figures.push(fmt.usd(r.usage.usd));
    return h(
      'li.run',
      { dataset: { runId: r.id, status: r.status } },
      h('a.run-link', { href: '#/runs/' + encodeURIComponent(r.id) }, [
        h('div.run-top', null, [h('span.run-name', { text: title(r) }), badge(r.status)]),
        h('div.run-line', null, [
          h('span', { text: r.phase ? 'phase ' + r.phase : r.status === 'awaiting_approval' ? 'needs a decision' : '' }),
          h('span.age', { text: fmt.age(r.createdAt) }),
        ]),
        progress(c, 'Agents done'),
        h('div.run-figures', { text: figures.join(' · ') }),
      ]),
    );
  }

  function render(): void {
    if (!loaded) list.replaceChildren(h('li.muted', { text: 'Loading…' }));
    else if (runs.length === 0)
      list.replaceChildren(
        h('li.muted.empty', {
          text: status ? 'No ' + STATUS_LABEL[status].toLowerCase() + ' runs.' : 'No runs yet. Start one from n8n or with POST /v1/runs.',
        }),
      );
    else list.replaceChildren(...runs.map(card));
    count.textContent = loaded ? runs.length + (nextCursor ? '+' : '') + ' shown' : '';
    more.hidden = !nextCursor;
  }

  /** Reloads every page shown so far in one request (at most 500 runs), so a refresh keeps the scroll. */
  function load(): void {
    if (busy || disposed) return;
    busy = true;
    const q = '?limit=' + Math.min(500, pages * 50) + (status ? '&status=' + encodeURIComponent(status) : '');
    api<RunsPage>('GET', '/v1/runs' + q)
      .then(
        function (res) {
          if (disposed) return;
          runs = res.runs;
          nextCursor = res.nextCursor;
          loaded = true;
          render();
        },
        function (err: unknown) {
          if (!disposed && errorStatus(err) !== 401) toast('Runs could not be loaded: ' + errorMessage(err), 'error');
        },
      )
      .finally(function () {
        busy = false;
      });
  }

  const timer = setInterval(function () {
    if (document.visibilityState === 'visible') load();
  }, RUNS_REFRESH_MS);
  render();
  load();
  return {
    dispose: function () {
      disposed = true;
      clearInterval(timer);
    },
  };
}
