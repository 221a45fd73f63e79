/**
 * The per-agent log, one page at a time (GET /v1/runs/:id/agents?offset&limit&status): a run
 * may have 1,000 agents, and a phone must not hold them all in the DOM.
 */
export const AGENTS_JS = String.raw`
dw.AGENT_STATUSES = ['queued', 'active', 'done', 'failed', 'cancelled'];
dw.AGENTS_PAGE = 50;

/** ctx: { run() → the current record } */
dw.agentsPane = function (ctx) {
  var el = dw.h('section.card.card-agents', { 'aria-label': 'Agents' });
  var filter = '';
  var offset = 0;
  var page = { agents: [], total: 0 };
  var expanded = new Set();
  var loaded = false;
  var inFlight = null;
  var again = false;

  var select = dw.h('select.filter', { 'aria-label': 'Show agents' }, [dw.h('option', { value: '', text: 'All agents' })].concat(
    dw.AGENT_STATUSES.map(function (s) { return dw.h('option', { value: s, text: dw.STATUS_LABEL[s] || s }); })
  ));
  select.addEventListener('change', function () { filter = select.value; offset = 0; fetchPage(); });
  var summary = dw.h('span.muted.agents-summary');
  var list = dw.h('ol.agents');
  var prev = dw.h('button.btn.btn-secondary.btn-prev', { type: 'button', text: '‹ Previous' });
  var next = dw.h('button.btn.btn-secondary.btn-next', { type: 'button', text: 'Next ›' });
  var range = dw.h('span.range');
  prev.addEventListener('click', function () { offset = Math.max(0, offset - dw.AGENTS_PAGE); fetchPage(); });
  next.addEventListener('click', function () { offset += dw.AGENTS_PAGE; fetchPage(); });
  el.append(
    dw.h('div.pane-head', null, [dw.h('h2', { text: 'Agents' }), summary]),
    dw.h('div.toolbar', null, [select]),
    list,
    dw.h('div.pager', null, [prev, range, next])
  );

  function usageText(u) {
    return dw.fmt.tokens(dw.fmt.totalTokens(u)) + ' tok · ' + dw.fmt.usd(u.usd);
  }

  function block(title, text, cls) {
    return [dw.h('h4', { text: title }), dw.h('pre.block' + (cls ? '.' + cls : ''), { text: text })];
  }

  function details(a) {
    var run = ctx.run();
    var u = a.usage;
    var parts = [block('Prompt', a.prompt)];
    if (a.error) parts.push(block('Error', a.error.code + ': ' + a.error.message, 'error'));
    else if (a.status === 'done') parts.push(block('Result', dw.fmt.json(a.result)));
    var facts = [
      'model ' + a.model,
      'attempts ' + a.attempts,
      'input ' + dw.fmt.int(u.inputTokens) + ' · output ' + dw.fmt.int(u.outputTokens) + ' · cache read ' + dw.fmt.int(u.cacheReadTokens) +
        ' · cache write ' + dw.fmt.int(u.cacheWriteTokens) + ' · ' + dw.fmt.usd(u.usd)
    ];
    if (a.tools && a.tools.length) facts.push('tools ' + a.tools.join(', '));
    if (a.replayed) facts.push('from the journal (no model call)');
    if (a.startedAt && a.endedAt) facts.push('took ' + dw.fmt.duration(Date.parse(a.endedAt) - Date.parse(a.startedAt)));
    parts.push(dw.h('ul.facts', null, facts.map(function (f) { return dw.h('li', { text: f }); })));
    if (a.status === 'failed') {
      var ended = dw.isTerminal(run.status);
      var restart = dw.h('button.btn.btn-secondary.btn-restart', {
        type: 'button', text: 'Restart this agent', disabled: !ended,
        title: ended ? null : 'An agent can be restarted once the run has ended'
      });
      restart.addEventListener('click', function () {
        var path = '/v1/runs/' + encodeURIComponent(run.id) + '/agents/' + a.seq + '/restart';
        dw.act(restart, dw.api('POST', path), 'Agent ' + a.seq + ' restarted: the run replays from its journal').then(fetchPage);
      });
      parts.push(dw.h('div.buttons', null, [restart]));
      if (!ended) parts.push(dw.h('p.muted', { text: 'Restart becomes available once the run has ended.' }));
    }
    return dw.h('div.agent-details', null, parts);
  }

  function row(a) {
    var open = expanded.has(a.seq);
    var head = dw.h('button.agent-head', { type: 'button', 'aria-expanded': open ? 'true' : 'false' }, [
      dw.h('span.seq', { text: '#' + a.seq }),
      dw.h('span.agent-label', { text: a.label || a.prompt.slice(0, 80) }),
      dw.badge(a.status),
      dw.h('span.agent-meta', { text: (a.phase ? a.phase + ' · ' : '') + usageText(a.usage) })
    ]);
    head.addEventListener('click', function () {
      if (expanded.has(a.seq)) expanded.delete(a.seq); else expanded.add(a.seq);
      render();
    });
    return dw.h('li.agent.agent-' + a.status, { dataset: { seq: a.seq, status: a.status } }, [head, open ? details(a) : null]);
  }

  function render() {
    var total = page.total;
    summary.textContent = loaded ? dw.fmt.int(total) + (filter ? ' ' + (dw.STATUS_LABEL[filter] || filter).toLowerCase() : ' in all') : '';
    if (!loaded) list.replaceChildren(dw.h('li.muted', { text: 'Loading…' }));
    else if (page.agents.length === 0) list.replaceChildren(dw.h('li.muted.empty', { text: filter ? 'No agents with this status.' : 'No agents yet.' }));
    else list.replaceChildren.apply(list, page.agents.map(row));
    range.textContent = total === 0 ? '' : (offset + 1) + '–' + Math.min(total, offset + page.agents.length) + ' of ' + dw.fmt.int(total);
    prev.disabled = offset === 0;
    next.disabled = offset + dw.AGENTS_PAGE >= total;
  }

  /** One request at a time; a change meanwhile asks for one more. */
  function fetchPage() {
    if (inFlight) { again = true; return inFlight; }
    var q = '?offset=' + offset + '&limit=' + dw.AGENTS_PAGE + (filter ? '&status=' + encodeURIComponent(filter) : '');
    inFlight = dw.api('GET', '/v1/runs/' + encodeURIComponent(ctx.run().id) + '/agents' + q).then(function (res) {
      page = res;
      loaded = true;
      // The filtered set shrank under us (agents finished): go back to its last page.
      if (offset > 0 && offset >= page.total) { offset = Math.max(0, Math.floor((page.total - 1) / dw.AGENTS_PAGE) * dw.AGENTS_PAGE); again = true; }
      render();
    }, function (err) {
      if (err.status !== 401) dw.toast('Agents could not be loaded: ' + err.message, 'error');
    }).finally(function () {
      inFlight = null;
      if (again) { again = false; fetchPage(); }
    });
    return inFlight;
  }

  render();
  return { el: el, refresh: fetchPage };
};
`;
