/**
 * One run, live: the record from GET /v1/runs/:id, kept current by its event stream
 * (GET /v1/runs/:id/events, replayed from the start so per-phase counts are complete).
 * Tabs: overview, agents, script, activity; on a wide screen the overview stays in the
 * left column and the chosen tab fills the right one.
 */
export const RUN_VIEW_JS = String.raw`
dw.RUN_TABS = ['overview', 'agents', 'script', 'activity'];

dw.runView = function (root, runId, tab) {
  var disposed = false;
  var state = null;
  var closeStream = null;
  var slots = {};
  var keys = {};
  var base = '/v1/runs/' + encodeURIComponent(runId);

  var view = dw.h('div.run-view', { dataset: { tab: tab, runId: runId } });
  var head = dw.h('header.run-head');
  var conn = dw.h('span.conn', { role: 'status', text: 'connecting…', dataset: { state: 'connecting' } });
  var tabs = dw.h('nav.tabs', { 'aria-label': 'Run sections' }, dw.RUN_TABS.map(function (t) {
    return dw.h('a.tab.tab-' + t, { href: '#/runs/' + encodeURIComponent(runId) + '/' + t, text: t.charAt(0).toUpperCase() + t.slice(1), dataset: { tab: t } });
  }));
  var overview = dw.h('div.pane.pane-overview');
  ['approval', 'actions', 'stats', 'outcome', 'phases', 'rounds', 'details'].forEach(function (name) {
    slots[name] = dw.h('div.slot.slot-' + name);
    overview.appendChild(slots[name]);
  });
  var agentsHolder = dw.h('div.pane.pane-agents');
  var scriptHolder = dw.h('div.pane.pane-script');
  var activityHolder = dw.h('div.pane.pane-activity');
  view.append(head, tabs, dw.h('div.run-cols', null, [overview, dw.h('div.side', null, [agentsHolder, scriptHolder, activityHolder])]));
  root.replaceChildren(view);
  view.appendChild(dw.h('p.muted.loading', { text: 'Loading the run…' }));

  var agents = null;
  var script = null;

  function setTab(t) {
    tab = dw.RUN_TABS.indexOf(t) >= 0 ? t : 'overview';
    view.dataset.tab = tab;
    tabs.querySelectorAll('.tab').forEach(function (a) {
      if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    if (tab === 'script' && script) script.show();
    if (state) renderActivity();
  }

  /** Replaces a slot's content when its key changed (or always, with no key). */
  function fill(name, key, build) {
    if (key !== undefined && keys[name] === key) return;
    keys[name] = key;
    var node = build();
    slots[name].replaceChildren.apply(slots[name], node ? [node] : []);
  }

  function renderHead() {
    var r = state.run;
    head.replaceChildren(
      dw.h('a.back', { href: '#/runs', text: '‹ All runs' }),
      dw.h('h1.run-title', { text: dw.title(r) }),
      dw.h('div.run-sub', null, [
        dw.badge(r.status),
        r.paused ? dw.h('span.tag.tag-paused', { text: 'paused' }) : null,
        r.phase ? dw.h('span.run-phase', { text: 'phase ' + r.phase }) : null,
        conn
      ])
    );
  }

  function renderOverview() {
    var r = state.run;
    renderHead();
    fill('approval', r.status + '|' + JSON.stringify(r.estimate), function () { return dw.actions.approval(state, ctx); });
    fill('actions', dw.actions.barKey(r), function () { return dw.actions.bar(state, ctx); });
    fill('stats', undefined, function () { return dw.overview.stats(state); });
    fill('outcome', r.status + '|' + (r.error ? r.error.code : '') + '|' + r.updatedAt, function () { return dw.overview.outcome(state); });
    fill('phases', undefined, function () { return dw.overview.phases(state); });
    fill('rounds', String(state.rounds.length), function () { return dw.overview.rounds(state); });
    fill('details', r.parentId + '|' + (r.meta ? JSON.stringify(r.meta) : ''), function () { return dw.overview.details(state); });
  }

  function renderActivity() {
    if (tab !== 'activity') return;
    activityHolder.replaceChildren(dw.overview.activity(state));
  }

  var redraw = dw.throttle(function () { if (!disposed && state) { renderOverview(); renderActivity(); } }, 150);
  var refreshAgents = dw.throttle(function () { if (!disposed && agents) agents.refresh(); }, 1000);
  var refetch = dw.throttle(function () {
    dw.api('GET', base).then(function (fresh) {
      if (disposed) return;
      state.setRun(fresh);
      if (script) script.update();
      redraw();
    }, function () { /* the stream or the next event tries again */ });
  }, 300);

  var ctx = {
    refresh: function () { refetch(); refreshAgents(); },
    editScript: function () { location.hash = '#/runs/' + encodeURIComponent(runId) + '/script'; if (script) script.edit(); },
    run: function () { return state.run; },
    navigate: function (id) { location.hash = '#/runs/' + encodeURIComponent(id); }
  };

  function onEvent(stored) {
    if (disposed) return;
    var changed = state.apply(stored);
    if (changed === 'record') { refetch(); refreshAgents(); }
    if (changed === 'agents') refreshAgents();
    redraw();
  }

  function onState(s) {
    conn.dataset.state = s;
    conn.textContent = s === 'live' ? 'live' : s === 'closed' ? 'disconnected' : 'reconnecting…';
    if (s === 'closed') {
      // A refused stream (signed out, or the run is gone): find out which, and say so.
      dw.api('GET', base).catch(function (err) { if (err.status !== 401) dw.toast(err.message, 'error'); });
    }
  }

  var ticker = setInterval(function () {
    if (!state || dw.isTerminal(state.run.status)) return;
    var el = view.querySelector('.stat-elapsed .stat-value');
    if (el) el.textContent = dw.fmt.duration(dw.elapsed(state.run));
  }, 1000);

  dw.api('GET', base).then(function (run) {
    if (disposed) return;
    var loading = view.querySelector('.loading');
    if (loading) loading.remove();
    state = dw.createRunState(run);
    agents = dw.agentsPane(ctx);
    script = dw.scriptPane(ctx);
    agentsHolder.replaceChildren(agents.el);
    scriptHolder.replaceChildren(script.el);
    document.title = dw.title(run) + ' · Dynamic workflows';
    renderOverview();
    setTab(tab);
    agents.refresh();
    script.update();
    closeStream = dw.stream(base + '/events', onEvent, onState);
  }, function (err) {
    if (disposed) return;
    view.replaceChildren(
      dw.h('a.back', { href: '#/runs', text: '‹ All runs' }),
      dw.h('p.error', { role: 'alert', text: err.status === 404 ? 'No run ' + runId + '.' : 'The run could not be loaded: ' + err.message })
    );
  });

  setTab(tab);
  return {
    runId: runId,
    setTab: setTab,
    dispose: function () {
      disposed = true;
      clearInterval(ticker);
      if (closeStream) closeStream();
    }
  };
};
`;
