/**
 * Browser code of the live page, shipped as text (see ../assets.ts for why). Each client module
 * adds to the `dw` namespace of one bundle. Rules for these strings: no backticks and no
 * dollar-brace (they are String.raw templates), and untrusted text (prompts, results, errors)
 * only ever reaches the page through textContent, never innerHTML.
 */
export const DOM_JS = String.raw`
function appendChildren(el, c) {
  if (c === null || c === undefined || c === false) return;
  if (Array.isArray(c)) { for (var i = 0; i < c.length; i++) appendChildren(el, c[i]); return; }
  el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
}

/** h('div.card.wide', {text, onclick, dataset, ...attributes}, children) */
dw.h = function (tag, attrs, children) {
  var parts = tag.split('.');
  var el = document.createElement(parts[0] || 'div');
  if (parts.length > 1) el.className = parts.slice(1).join(' ');
  if (attrs) {
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'class') el.className = (el.className ? el.className + ' ' : '') + v;
      else if (k === 'text') el.textContent = String(v);
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.keys(v).forEach(function (d) { el.dataset[d] = String(v[d]); });
      else if (k === 'value') el.value = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    });
  }
  appendChildren(el, children);
  return el;
};

dw.TERMINAL = ['converged', 'failed', 'cancelled'];
dw.isTerminal = function (status) { return dw.TERMINAL.indexOf(status) >= 0; };
dw.RUN_STATUSES = ['queued', 'planning', 'awaiting_approval', 'running', 'converged', 'failed', 'cancelled'];
dw.STATUS_LABEL = {
  queued: 'Queued', planning: 'Planning', awaiting_approval: 'Awaiting approval', running: 'Running',
  converged: 'Converged', failed: 'Failed', cancelled: 'Cancelled', active: 'Active', done: 'Done'
};

dw.badge = function (status, extra) {
  return dw.h('span.badge.badge-' + status, { text: dw.STATUS_LABEL[status] || status, title: extra || null, dataset: { status: status } });
};

dw.fmt = {
  int: function (n) { return Number(n || 0).toLocaleString('en-US'); },
  tokens: function (n) {
    n = Number(n || 0);
    if (n < 1000) return String(n);
    if (n < 1e6) return (n / 1e3).toFixed(n < 1e4 ? 1 : 0) + 'k';
    return (n / 1e6).toFixed(n < 1e7 ? 2 : 1) + 'M';
  },
  usd: function (v) {
    v = Number(v || 0);
    if (v === 0) return '$0';
    if (v >= 100) return '$' + v.toFixed(0);
    if (v >= 1) return '$' + v.toFixed(2);
    return '$' + v.toFixed(4);
  },
  duration: function (ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + 's';
    var m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + (s % 60) + 's';
    var hr = Math.floor(m / 60);
    if (hr < 48) return hr + 'h ' + (m % 60) + 'm';
    return Math.floor(hr / 24) + 'd ' + (hr % 24) + 'h';
  },
  age: function (iso) {
    var s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
    if (!isFinite(s)) return '';
    if (s < 60) return s + 's ago';
    if (s < 3600) return Math.floor(s / 60) + 'm ago';
    if (s < 172800) return Math.floor(s / 3600) + 'h ago';
    return Math.floor(s / 86400) + 'd ago';
  },
  percent: function (x) { return Math.round(Number(x) * 100) + '%'; },
  totalTokens: function (u) {
    if (!u) return 0;
    return (u.inputTokens || 0) + (u.outputTokens || 0) + (u.cacheReadTokens || 0) + (u.cacheWriteTokens || 0);
  },
  json: function (v) {
    if (typeof v === 'string') return v;
    try { return JSON.stringify(v, null, 2); } catch (e) { return String(v); }
  }
};

/** Elapsed time of a run: until its last update once it has ended, until now while it runs. */
dw.elapsed = function (run) {
  var end = dw.isTerminal(run.status) ? Date.parse(run.updatedAt) : Date.now();
  return end - Date.parse(run.createdAt);
};

/** A segmented bar: done, failed and active agents out of all issued. */
dw.progress = function (counts, label) {
  var total = Math.max(1, counts.total || 0);
  var seg = function (cls, n) {
    var el = dw.h('span.seg.' + cls);
    el.style.width = (100 * (n || 0) / total) + '%';
    return el;
  };
  var done = counts.done || 0;
  return dw.h('div.progress', {
    role: 'progressbar', 'aria-label': label || 'Agents done',
    'aria-valuemin': 0, 'aria-valuemax': counts.total || 0, 'aria-valuenow': done
  }, [seg('done', done), seg('failed', counts.failed), seg('active', counts.active)]);
};

dw.title = function (run) {
  return (run.meta && typeof run.meta.name === 'string' && run.meta.name) || run.task || run.id;
};

dw.toast = function (message, kind) {
  var box = document.getElementById('toasts');
  if (!box) return;
  var el = dw.h('div.toast.toast-' + (kind || 'info'), { role: kind === 'error' ? 'alert' : 'status', text: message });
  box.appendChild(el);
  setTimeout(function () { el.remove(); }, kind === 'error' ? 8000 : 4000);
};

/**
 * A button that asks again before acting: the first tap arms it, the second within 5 s acts.
 * Touch screens have no hover, and a stray tap must not stop a run.
 */
dw.confirmButton = function (label, confirmLabel, cls, action) {
  var armed = false;
  var timer = null;
  var btn = dw.h('button.btn.' + cls, { type: 'button', text: label });
  btn.addEventListener('click', function () {
    if (!armed) {
      armed = true;
      btn.textContent = confirmLabel;
      btn.classList.add('armed');
      timer = setTimeout(function () { armed = false; btn.textContent = label; btn.classList.remove('armed'); }, 5000);
      return;
    }
    clearTimeout(timer);
    armed = false;
    btn.textContent = label;
    btn.classList.remove('armed');
    action(btn);
  });
  return btn;
};

/** Runs an API action with the button disabled; errors become a toast. */
dw.act = function (btn, promise, okMessage) {
  if (btn) btn.disabled = true;
  return promise.then(function (v) {
    if (okMessage) dw.toast(okMessage, 'ok');
    return v;
  }, function (err) {
    dw.toast(err.message || String(err), 'error');
    return null;
  }).finally(function () { if (btn) btn.disabled = false; });
};
`;
