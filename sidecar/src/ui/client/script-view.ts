/** The run's script: read with line numbers and highlighting, or edited and rerun. */
export const SCRIPT_JS = String.raw`
/** Lines wrap instead of scrolling sideways, so a phone never needs horizontal scrolling. */
dw.codeView = function (source) {
  var lines = dw.highlight(source);
  var box = dw.h('div.code', { role: 'region', 'aria-label': 'Script, ' + lines.length + ' lines', tabindex: 0 });
  var frag = document.createDocumentFragment();
  lines.forEach(function (tokens, i) {
    var src = dw.h('span.src');
    tokens.forEach(function (t) {
      src.appendChild(t[0] === 'ws' || t[0] === 'id' || t[0] === 'pun' ? document.createTextNode(t[1]) : dw.h('span.tok-' + t[0], { text: t[1] }));
    });
    frag.appendChild(dw.h('div.line', null, [dw.h('span.ln', { 'aria-hidden': 'true', text: String(i + 1) }), src]));
  });
  box.appendChild(frag);
  return box;
};

/** ctx: { run() → the current record, navigate(id) } */
dw.scriptPane = function (ctx) {
  var el = dw.h('section.card.card-script', { 'aria-label': 'Script' });
  var source = null;
  var editing = false;
  var loading = false;

  function runId() { return encodeURIComponent(ctx.run().id); }

  function render() {
    var run = ctx.run();
    if (source === null) {
      el.replaceChildren(dw.h('h2', { text: 'Script' }), dw.h('p.muted', {
        text: run.hasScript ? 'Loading the script…' : 'No script yet: the planner is writing it.'
      }));
      return;
    }
    if (editing) {
      var area = dw.h('textarea.editor', {
        spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', autocorrect: 'off',
        rows: Math.min(40, Math.max(12, source.split('\n').length + 2)), 'aria-label': 'Edit the script', value: source
      });
      var rerun = dw.h('button.btn.btn-primary.btn-rerun-edited', { type: 'button', text: 'Rerun with this script' });
      rerun.addEventListener('click', function () {
        dw.act(rerun, dw.api('POST', '/v1/runs/' + runId() + '/rerun', { script: area.value })).then(function (fresh) {
          if (fresh && fresh.id) ctx.navigate(fresh.id);
        });
      });
      el.replaceChildren(
        dw.h('div.pane-head', null, [dw.h('h2', { text: 'Edit the script' })]),
        dw.h('p.muted', { text: 'The new run reuses every agent call of this run whose prompt and options are unchanged.' }),
        area,
        dw.h('div.buttons', null, [
          rerun,
          dw.h('button.btn.btn-secondary.btn-cancel-edit', { type: 'button', text: 'Cancel', onclick: function () { editing = false; render(); } })
        ])
      );
      area.focus();
      return;
    }
    var lines = source.split('\n').length;
    el.replaceChildren(
      dw.h('div.pane-head', null, [
        dw.h('h2', { text: 'Script' }),
        dw.h('span.muted', { text: lines + ' lines' })
      ]),
      dw.h('div.buttons', null, [
        dw.h('button.btn.btn-secondary.btn-edit-script', { type: 'button', text: 'Edit & rerun', onclick: function () { editing = true; render(); } }),
        dw.h('a.btn.btn-secondary', { href: '/v1/runs/' + runId() + '/script', download: ctx.run().id + '.js', text: 'Download' })
      ]),
      dw.codeView(source)
    );
  }

  function load() {
    if (loading || source !== null || !ctx.run().hasScript) { render(); return; }
    loading = true;
    render();
    dw.api('GET', '/v1/runs/' + runId() + '/script').then(function (text) {
      source = String(text);
    }, function (err) {
      if (err.code !== 'script_not_ready') dw.toast('The script could not be loaded: ' + err.message, 'error');
    }).finally(function () { loading = false; render(); });
  }

  return {
    el: el,
    /** Called when the record changes: loads the script once it exists. */
    update: function () { if (source === null) load(); },
    edit: function () { editing = true; if (source === null) load(); else render(); },
    show: load
  };
};
`;
