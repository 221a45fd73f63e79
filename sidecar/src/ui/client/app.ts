/** The page frame and the hash router: #/runs[?status=…], #/runs/<id>[/<tab>]. */
export const APP_JS = String.raw`
dw.parseHash = function (hash) {
  var raw = String(hash || '').replace(/^#/, '');
  var q = raw.indexOf('?');
  var path = q >= 0 ? raw.slice(0, q) : raw;
  var params = {};
  if (q >= 0) new URLSearchParams(raw.slice(q + 1)).forEach(function (v, k) { params[k] = v; });
  var parts = path.split('/').filter(Boolean).map(function (p) { try { return decodeURIComponent(p); } catch (e) { return p; } });
  if (parts[0] === 'runs' && parts[1]) return { view: 'run', id: parts[1], tab: parts[2] || 'overview', params: params };
  return { view: 'runs', params: params };
};

dw.main = function () {
  var app = document.getElementById('app');
  var signOut = dw.devMode ? dw.h('span.tag', { text: 'development mode' }) :
    dw.h('button.btn.btn-link.btn-signout', { type: 'button', text: 'Sign out' });
  if (!dw.devMode) {
    signOut.addEventListener('click', function () {
      dw.api('POST', '/ui/logout').catch(function () { /* signed out either way */ }).finally(function () { location.href = '/'; });
    });
  }
  var main = dw.h('main.view', { id: 'view' });
  app.replaceChildren(
    dw.h('header.top', null, [dw.h('a.brand', { href: '#/runs', text: 'Dynamic workflows' }), signOut]),
    main,
    dw.h('div.toasts', { id: 'toasts', 'aria-live': 'polite' })
  );

  var current = null;
  function route() {
    var r = dw.parseHash(location.hash);
    if (r.view === 'run' && current && current.runId === r.id) { current.setTab(r.tab); return; }
    if (current) current.dispose();
    window.scrollTo(0, 0);
    current = r.view === 'run' ? dw.runView(main, r.id, r.tab) : dw.runsView(main, r.params);
  }
  window.addEventListener('hashchange', route);
  route();
};
`;
