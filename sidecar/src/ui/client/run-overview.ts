/** The overview sections of a run: figures, phases, verification rounds, result, activity. */
export const RUN_OVERVIEW_JS = String.raw`
dw.overview = {};

function stat(label, value, title, cls) {
  return dw.h('div.stat' + (cls ? '.' + cls : ''), { title: title || null }, [
    dw.h('div.stat-value', { text: value }),
    dw.h('div.stat-label', { text: label })
  ]);
}

dw.overview.stats = function (state) {
  var r = state.run;
  var c = r.counts;
  var u = r.usage;
  var tokenTitle = 'input ' + dw.fmt.int(u.inputTokens) + ' · output ' + dw.fmt.int(u.outputTokens) +
    ' · cache read ' + dw.fmt.int(u.cacheReadTokens) + ' · cache write ' + dw.fmt.int(u.cacheWriteTokens);
  var elapsed = stat('Elapsed', dw.fmt.duration(dw.elapsed(r)), null, 'stat-elapsed');
  var figures = dw.h('div.stats', null, [
    stat('Agents done', dw.fmt.int(c.done) + ' / ' + dw.fmt.int(c.total), null, 'stat-done'),
    stat('Failed', dw.fmt.int(c.failed), null, c.failed > 0 ? 'stat-failed bad' : 'stat-failed'),
    stat('Active', dw.fmt.int(c.active) + (state.throttle ? ' (max ' + state.throttle.concurrency + ')' : ''), null, 'stat-active'),
    stat('Queued', dw.fmt.int(c.queued), null, 'stat-queued'),
    stat('Tokens', dw.fmt.tokens(dw.fmt.totalTokens(u)), tokenTitle, 'stat-tokens'),
    stat('Cost', dw.fmt.usd(u.usd), 'Limit ' + dw.fmt.usd(r.limits ? r.limits.maxUsd : 0), 'stat-cost'),
    elapsed
  ]);
  var legend = dw.h('div.legend', null, [
    dw.h('span.key.done', { text: 'done' }), dw.h('span.key.failed', { text: 'failed' }), dw.h('span.key.active', { text: 'active' })
  ]);
  return dw.h('section.card.card-stats', { 'aria-label': 'Progress' }, [figures, dw.progress(c, 'Agents of this run done'), legend]);
};

dw.overview.phases = function (state) {
  var phases = state.phases();
  if (phases.length === 0) return null;
  var current = state.run.phase || null;
  return dw.h('section.card.card-phases', null, [
    dw.h('h2', { text: 'Phases' }),
    dw.h('ol.phases', null, phases.map(function (p) {
      var parts = [dw.fmt.int(p.done) + '/' + dw.fmt.int(p.total) + ' done'];
      if (p.failed) parts.push(p.failed + ' failed');
      if (p.active) parts.push(p.active + ' active');
      if (p.queued) parts.push(p.queued + ' queued');
      if (p.cancelled) parts.push(p.cancelled + ' stopped');
      return dw.h('li.phase' + (p.name === current ? '.current' : ''), { dataset: { phase: p.name } }, [
        dw.h('div.phase-head', null, [
          dw.h('span.phase-name', { text: p.name }),
          dw.h('span.phase-counts', { text: parts.join(' · ') })
        ]),
        dw.progress(p, 'Agents of phase ' + p.name + ' done')
      ]);
    }))
  ]);
};

dw.overview.rounds = function (state) {
  if (state.rounds.length === 0) return null;
  return dw.h('section.card.card-rounds', null, [
    dw.h('h2', { text: 'Verification' }),
    dw.h('ol.rounds', null, state.rounds.map(function (r) {
      var agreement = r.agreement === null || r.agreement === undefined ? 'n/a' : dw.fmt.percent(r.agreement);
      var meter = dw.h('span.meter');
      var fill = dw.h('span.meter-fill');
      fill.style.width = r.agreement === null || r.agreement === undefined ? '0' : Math.max(0, Math.min(100, r.agreement * 100)) + '%';
      meter.appendChild(fill);
      return dw.h('li.round', null, [
        dw.h('span.round-name', { text: r.helper + ' · round ' + r.round }),
        meter,
        dw.h('span.round-figures', { text: 'agreement ' + agreement + (r.survivors === null || r.survivors === undefined ? '' : ' · ' + r.survivors + ' survive') })
      ]);
    }))
  ]);
};

var MAX_RESULT_CHARS = 100000;

dw.overview.outcome = function (state) {
  var r = state.run;
  if (r.error) {
    return dw.h('section.card.card-error', { role: 'status' }, [
      dw.h('h2', { text: r.status === 'cancelled' ? 'Stopped' : 'Error' }),
      dw.h('p.error-code', { text: r.error.code }),
      dw.h('p', { text: r.error.message })
    ]);
  }
  if (r.status !== 'converged') return null;
  if (r.result === null || r.result === undefined) {
    return dw.h('section.card.card-result', null, [dw.h('h2', { text: 'Result' }), dw.h('p.muted', { text: 'The script returned no value.' })]);
  }
  var text = dw.fmt.json(r.result);
  var cut = text.length > MAX_RESULT_CHARS;
  return dw.h('section.card.card-result', null, [
    dw.h('h2', { text: 'Result' }),
    dw.h('pre.block', { text: cut ? text.slice(0, MAX_RESULT_CHARS) + '\n…' : text }),
    cut ? dw.h('p.muted', { text: 'Shortened: the full result is in GET /v1/runs/' + r.id + '.' }) : null
  ]);
};

dw.overview.details = function (state) {
  var r = state.run;
  var rows = [['Run', r.id], ['Task', r.task], ['Started', new Date(r.createdAt).toLocaleString()]];
  if (r.meta && r.meta.description) rows.push(['Description', String(r.meta.description)]);
  if (r.parentId) rows.push(['Rerun of', r.parentId]);
  if (r.options && r.options.tools && r.options.tools.length) rows.push(['Tools', r.options.tools.join(', ')]);
  if (r.limits) rows.push(['Limits', r.limits.maxParallel + ' at once · ' + r.limits.maxAgents + ' agents · ' + dw.fmt.usd(r.limits.maxUsd)]);
  return dw.h('section.card.card-details', null, [
    dw.h('h2', { text: 'Details' }),
    dw.h('dl.details', null, rows.map(function (row) {
      var value = row[0] === 'Rerun of' ? dw.h('a', { href: '#/runs/' + row[1], text: row[1] }) : row[1];
      return [dw.h('dt', { text: row[0] }), dw.h('dd', null, value)];
    }))
  ]);
};

dw.overview.activity = function (state) {
  var items = state.activity.slice().reverse();
  return dw.h('section.card.card-activity', null, [
    dw.h('h2', { text: 'Activity' }),
    items.length === 0 ? dw.h('p.muted', { text: 'Nothing yet.' }) :
      dw.h('ol.activity', null, items.map(function (a) {
        var t = new Date(a.at);
        return dw.h('li.act.act-' + a.kind, null, [
          dw.h('time', { datetime: a.at, text: isNaN(t.getTime()) ? '' : t.toLocaleTimeString() }),
          dw.h('span', { text: a.text })
        ]);
      }))
  ]);
};
`;
