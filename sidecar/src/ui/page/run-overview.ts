/** The overview sections of a run: figures, phases, verification rounds, result, activity. */
import { elapsed, fmt, h, progress, type Child } from './dom';
import type { RunState } from './run-state';

function stat(label: string, value: string, title: string | null, cls: string): HTMLElement {
  return h('div.stat' + (cls ? '.' + cls : ''), { title: title || null }, [
    h('div.stat-value', { text: value }),
    h('div.stat-label', { text: label }),
  ]);
}

export function stats(state: RunState): HTMLElement {
  const r = state.run;
  const c = r.counts;
  const u = r.usage;
  const tokenTitle = fmt.tokenBreakdown(u);
  const figures = h('div.stats', null, [
    stat('Agents done', fmt.int(c.done) + ' / ' + fmt.int(c.total), null, 'stat-done'),
    stat('Failed', fmt.int(c.failed), null, c.failed > 0 ? 'stat-failed bad' : 'stat-failed'),
    stat('Active', fmt.int(c.active) + (state.throttle ? ' (max ' + String(state.throttle.concurrency) + ')' : ''), null, 'stat-active'),
    stat('Queued', fmt.int(c.queued), null, 'stat-queued'),
    stat('Tokens', fmt.tokens(fmt.totalTokens(u)), tokenTitle, 'stat-tokens'),
    stat('Cost', fmt.usd(u.usd), 'Limit ' + fmt.usd(r.limits ? r.limits.maxUsd : 0), 'stat-cost'),
    stat('Elapsed', fmt.duration(elapsed(r)), null, 'stat-elapsed'),
  ]);
  const legend = h('div.legend', null, [
    h('span.key.done', { text: 'done' }),
    h('span.key.failed', { text: 'failed' }),
    h('span.key.active', { text: 'active' }),
  ]);
  return h('section.card.card-stats', { 'aria-label': 'Progress' }, [figures, progress(c, 'Agents of this run done'), legend]);
}

export function phases(state: RunState): HTMLElement | null {
  const list = state.phases();
  if (list.length === 0) return null;
  const current = state.run.phase || null;
  return h('section.card.card-phases', null, [
    h('h2', { text: 'Phases' }),
    h(
      'ol.phases',
      null,
      list.map(function (p) {
        const parts = [fmt.int(p.done) + '/' + fmt.int(p.total) + ' done'];
        if (p.failed) parts.push(p.failed + ' failed');
        if (p.active) parts.push(p.active + ' active');
        if (p.queued) parts.push(p.queued + ' queued');
        if (p.cancelled) parts.push(p.cancelled + ' stopped');
        return h('li.phase' + (p.name === current ? '.current' : ''), { dataset: { phase: p.name } }, [
          h('div.phase-head', null, [h('span.phase-name', { text: p.name }), h('span.phase-counts', { text: parts.join(' · ') })]),
          progress(p, 'Agents of phase ' + p.name + ' done'),
        ]);
      }),
    ),
  ]);
}

export function rounds(state: RunState): HTMLElement | null {
  if (state.rounds.length === 0) return null;
  return h('section.card.card-rounds', null, [
    h('h2', { text: 'Verification' }),
    h(
      'ol.rounds',
      null,
      state.rounds.map(function (r) {
        const agreement = r.agreement === null || r.agreement === undefined ? 'n/a' : fmt.percent(r.agreement);
        const meter = h('span.meter');
        const fill = h('span.meter-fill');
        fill.style.width = r.agreement === null || r.agreement === undefined ? '0' : Math.max(0, Math.min(100, r.agreement * 100)) + '%';
        meter.appendChild(fill);
        return h('li.round', null, [
          h('span.round-name', { text: String(r.helper) + ' · round ' + String(r.round) }),
          meter,
          h('span.round-figures', {
            text:
              'agreement ' +
              agreement +
              (r.survivors === null || r.survivors === undefined ? '' : ' · ' + String(r.survivors) + ' survive'),
          }),
        ]);
      }),
    ),
  ]);
}

const MAX_RESULT_CHARS = 100000;

export function outcome(state: RunState): HTMLElement | null {
  const r = state.run;
  if (r.error) {
    return h('section.card.card-error', { role: 'status' }, [
      h('h2', { text: r.status === 'cancelled' ? 'Stopped' : 'Error' }),
      h('p.error-code', { text: r.error.code }),
      h('p', { text: r.error.message }),
    ]);
  }
  if (r.status !== 'converged') return null;
  if (r.result === null || r.result === undefined) {
    return h('section.card.card-result', null, [h('h2', { text: 'Result' }), h('p.muted', { text: 'The script returned no value.' })]);
  }
  const text = fmt.json(r.result);
  const cut = text.length > MAX_RESULT_CHARS;
  return h('section.card.card-result', null, [
    h('h2', { text: 'Result' }),
    h('pre.block', { text: cut ? text.slice(0, MAX_RESULT_CHARS) + '\n…' : text }),
    cut ? h('p.muted', { text: 'Shortened: the full result is in GET /v1/runs/' + r.id + '.' }) : null,
  ]);
}

export function details(state: RunState): HTMLElement {
  const r = state.run;
  const rows: Array<[string, string]> = [
    ['Run', r.id],
    ['Task', r.task],
    ['Started', new Date(r.createdAt).toLocaleString()],
  ];
  if (r.meta && r.meta.description) rows.push(['Description', String(r.meta.description)]);
  if (r.parentId) rows.push(['Rerun of', r.parentId]);
  if (r.options && r.options.tools && r.options.tools.length) rows.push(['Tools', r.options.tools.join(', ')]);
  if (r.limits) rows.push(['Limits', r.limits.maxParallel + ' at once · ' + r.limits.maxAgents + ' agents · ' + fmt.usd(r.limits.maxUsd)]);
  return h('section.card.card-details', null, [
    h('h2', { text: 'Details' }),
    h(
      'dl.details',
      null,
      rows.map(function (row): Child {
        const value = row[0] === 'Rerun of' ? h('a', { href: '#/runs/' + row[1], text: row[1] }) : row[1];
        return [h('dt', { text: row[0] }), h('dd', null, value)];
      }),
    ),
  ]);
}

export function activity(state: RunState): HTMLElement {
  const items = state.activity.slice().reverse();
  return h('section.card.card-activity', null, [
    h('h2', { text: 'Activity' }),
    items.length === 0
      ? h('p.muted', { text: 'Nothing yet.' })
      : h(
          'ol.activity',
          null,
          items.map(function (a) {
            const t = new Date(a.at);
            return h('li.act.act-' + a.kind, null, [
              h('time', { datetime: a.at, text: isNaN(t.getTime()) ? '' : t.toLocaleTimeString() }),
              h('span', { text: a.text }),
            ]);
          }),
        ),
  ]);
}
