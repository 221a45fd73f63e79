/** The page's only ways to the sidecar: JSON calls with the CSRF header, and event streams. */
export const API_JS = String.raw`
(function () {
  var meta = document.querySelector('meta[name="dw-csrf"]');
  dw.csrf = meta ? meta.getAttribute('content') : '';
  var mode = document.querySelector('meta[name="dw-mode"]');
  dw.devMode = !!mode && mode.getAttribute('content') === 'dev';
})();

dw.apiError = function (status, code, message) {
  var e = new Error(message);
  e.status = status;
  e.code = code;
  return e;
};

/** Shows the "signed out" banner once; the person decides when to reload (no reload loops). */
dw.signedOut = function () {
  if (document.getElementById('signed-out')) return;
  var bar = dw.h('div.banner.banner-error', { id: 'signed-out', role: 'alert' }, [
    dw.h('span', { text: 'Your session has ended. ' }),
    dw.h('a', { href: '/', text: 'Sign in again' })
  ]);
  document.body.insertBefore(bar, document.body.firstChild);
};

dw.api = function (method, path, body) {
  var headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && dw.csrf) headers['x-csrf-token'] = dw.csrf;
  return fetch(path, {
    method: method, headers: headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body)
  }).then(function (res) {
    var type = res.headers.get('content-type') || '';
    var parse = type.indexOf('application/json') >= 0 ? res.json() : res.text();
    return parse.then(function (data) {
      if (res.ok) return data;
      var err = data && data.error ? data.error : { code: 'http_' + res.status, message: 'Request failed (' + res.status + ')' };
      if (res.status === 401) dw.signedOut();
      throw dw.apiError(res.status, err.code, err.message);
    });
  });
};

dw.EVENT_TYPES = [
  'run.status', 'run.script', 'phase', 'agent.queued', 'agent.started', 'agent.completed', 'agent.failed',
  'agent.retry', 'log', 'budget', 'throttle', 'verify.round', 'callback.delivered', 'callback.failed'
];

/**
 * An EventSource on a same-origin stream (the session cookie goes along). EventSource resumes
 * with Last-Event-ID by itself after a dropped connection; onState reports 'live',
 * 'reconnecting' or 'closed' (a refused stream, e.g. after the session ended).
 */
dw.stream = function (url, onEvent, onState) {
  var es = new EventSource(url);
  var handler = function (msg) {
    var stored;
    try { stored = JSON.parse(msg.data); } catch (e) { return; }
    onEvent(stored);
  };
  dw.EVENT_TYPES.forEach(function (t) { es.addEventListener(t, handler); });
  es.onmessage = handler;
  es.onopen = function () { onState('live'); };
  es.onerror = function () { onState(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'); };
  return function () { es.close(); };
};

/** Calls fn at most once per ms, the last call winning (event bursts become one redraw). */
dw.throttle = function (fn, ms) {
  var timer = null;
  var pending = false;
  return function () {
    pending = true;
    if (timer) return;
    timer = setTimeout(function tick() {
      timer = null;
      if (!pending) return;
      pending = false;
      fn();
    }, ms);
  };
};
`;
