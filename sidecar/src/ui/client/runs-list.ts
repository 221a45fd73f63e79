/** All runs, newest first, filtered by status; refreshed every 2 s while the page is visible. */
export const RUNS_JS = String.raw`
dw.RUNS_REFRESH_MS = 2000;

dw.runsView = function (root, params) {
  var disposed = false;
  var status = dw.RUN_STATUSES.indexOf(params.status) >= 0 ? params.status : '';
  var runs = [];
  var nextCursor = null;
  var pages = 1;
  var loaded = false;
  var busy = false;

  var select = dw.h('select.filter', { 'aria-label': 'Filter by status' }, [dw.h('option', { value: '', text: 'All statuses' })].concat(
    dw.RUN_STATUSES.map(function (s) { return dw.h('option', { value: s, text: dw.STATUS_LABEL[s] }); })
  ));
  select.value = status;
  select.addEventListener('change', function () {
    location.hash = select.value ? '#/runs?status=' + encodeURIComponent(select.value) : '#/runs';
  });
  var list = dw.h('ol.runs');
  var more = dw.h('button.btn.btn-secondary.btn-more', { type: 'button', text: 'Show more' });
  more.addEventListener('click', function () { pages++; load(); });
  var count = dw.h('span.muted.runs-count');
  root.replaceChildren(dw.h('div.runs-view', null, [
    dw.h('div.pane-head', null, [dw.h('h1', { text: 'Runs' }), count]),
    dw.h('div.toolbar', null, [select]),
    list,
    more
  ]));
  document.title = 'Runs · Dynamic workflows';

  function card(r) {
    var c = r.counts;
    var figures = [dw.fmt.int(c.done) + '/' + dw.fmt.int(c.total) + ' agents'];
    if (c.failed) figures.push(c.failed + ' failed');
    if (c.active) figures.push(c.active + ' active');
    figures.push(dw.fmt.tokens(dw.fmt.totalTokens(r.usage)) + ' tok');
    figures.push(dw.fmt.usd(r.usage.usd));
    return dw.h('li.run', { dataset: { runId: r.id, status: r.status } }, dw.h('a.run-link', { href: '#/runs/' + encodeURIComponent(r.id) }, [
      dw.h('div.run-top', null, [dw.h('span.run-name', { text: dw.title(r) }), dw.badge(r.status)]),
      dw.h('div.run-line', null, [
        dw.h('span', { text: r.phase ? 'phase ' + r.phase : (r.status === 'awaiting_approval' ? 'needs a decision' : '') }),
        dw.h('span.age', { text: dw.fmt.age(r.createdAt) })
      ]),
      dw.progress(c, 'Agents done'),
      dw.h('div.run-figures', { text: figures.join(' · ') })
    ]));
  }

  function render() {
    if (!loaded) list.replaceChildren(dw.h('li.muted', { text: 'Loading…' }));
    else if (runs.length === 0) list.replaceChildren(dw.h('li.muted.empty', { text: status ? 'No ' + dw.STATUS_LABEL[status].toLowerCase() + ' runs.' : 'No runs yet. Start one from n8n or with POST /v1/runs.' }));
    else list.replaceChildren.apply(list, runs.map(card));
    count.textContent = loaded ? runs.length + (nextCursor ? '+' : '') + ' shown' : '';
    more.hidden = !nextCursor;
  }

  /** Reloads every page shown so far in one request (at most 500 runs), so a refresh keeps the scroll. */
  function load() {
    if (busy || disposed) return;
    busy = true;
    var q = '?limit=' + Math.min(500, pages * 50) + (status ? '&status=' + encodeURIComponent(status) : '');
    dw.api('GET', '/v1/runs' + q).then(function (res) {
      if (disposed) return;
      runs = res.runs;
      nextCursor = res.nextCursor;
      loaded = true;
      render();
    }, function (err) {
      if (!disposed && err.status !== 401) dw.toast('Runs could not be loaded: ' + err.message, 'error');
    }).finally(function () { busy = false; });
  }

  var timer = setInterval(function () { if (document.visibilityState === 'visible') load(); }, dw.RUNS_REFRESH_MS);
  render();
  load();
  return { dispose: function () { disposed = true; clearInterval(timer); } };
};
`;
