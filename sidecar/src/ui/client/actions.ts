/** What a person can do to a run: approve or deny its plan, pause, resume, stop, rerun. */
export const ACTIONS_JS = String.raw`
dw.actions = {};

function runPath(run, action) { return '/v1/runs/' + encodeURIComponent(run.id) + '/' + action; }

function button(label, cls, onclick) {
  return dw.h('button.btn.' + cls, { type: 'button', text: label, onclick: onclick });
}

/** Rebuilt only when this key changes, so an armed Stop button or a typed comment survives redraws. */
dw.actions.barKey = function (run) {
  return [run.status, run.paused, run.hasScript].join('|');
};

dw.actions.bar = function (state, ctx) {
  var r = state.run;
  var items = [];
  var live = !dw.isTerminal(r.status);
  if (live && r.status !== 'awaiting_approval') {
    if (r.paused) {
      items.push(button('Resume', 'btn-primary btn-resume', function (ev) {
        dw.act(ev.currentTarget, dw.api('POST', runPath(r, 'resume')), 'Resumed').then(ctx.refresh);
      }));
    } else if (r.status === 'running') {
      items.push(button('Pause', 'btn-secondary btn-pause', function (ev) {
        dw.act(ev.currentTarget, dw.api('POST', runPath(r, 'pause')), 'Paused: running agents finish, no new ones start').then(ctx.refresh);
      }));
    }
    items.push(dw.confirmButton('Stop', 'Tap again to stop', 'btn-danger btn-stop', function (btn) {
      dw.act(btn, dw.api('POST', runPath(r, 'cancel'), { reason: 'Stopped from the live page' }), 'Run stopped').then(ctx.refresh);
    }));
  }
  if (!live && r.hasScript) {
    items.push(button('Rerun', 'btn-secondary btn-rerun', function (ev) {
      dw.act(ev.currentTarget, dw.api('POST', runPath(r, 'rerun'), {})).then(function (fresh) {
        if (fresh && fresh.id) location.hash = '#/runs/' + encodeURIComponent(fresh.id);
      });
    }));
    items.push(button('Edit & rerun', 'btn-secondary btn-edit', function () { ctx.editScript(); }));
  }
  if (items.length === 0 && !r.paused) return null;
  return dw.h('div.actions', null, [
    r.paused ? dw.h('p.paused-note', { role: 'status', text: 'Paused: no new agents are dispatched; running ones finish.' }) : null,
    items.length ? dw.h('div.buttons', null, items) : null
  ]);
};

dw.actions.approval = function (state, ctx) {
  var r = state.run;
  if (r.status !== 'awaiting_approval') return null;
  var est = r.estimate || { agents: null, usd: null };
  var comment = dw.h('textarea.comment', { rows: 2, maxlength: 10000, placeholder: 'Comment (optional)', 'aria-label': 'Comment on the decision' });
  var preview = dw.h('div.script-preview', null, dw.h('p.muted', { text: 'Loading the script…' }));
  dw.api('GET', '/v1/runs/' + encodeURIComponent(r.id) + '/script').then(function (src) {
    preview.replaceChildren(dw.codeView(String(src)));
  }, function (err) {
    preview.replaceChildren(dw.h('p.error', { text: 'The script could not be loaded: ' + err.message }));
  });
  var decide = function (approved, btn) {
    var body = { approved: approved };
    if (comment.value.trim()) body.comment = comment.value.trim();
    dw.act(btn, dw.api('POST', runPath(r, 'approve'), body), approved ? 'Plan approved' : 'Plan denied').then(ctx.refresh);
  };
  return dw.h('section.card.card-approval', { 'aria-label': 'Plan approval' }, [
    dw.h('h2', { text: 'The plan is waiting for your approval' }),
    dw.h('div.estimate', null, [
      dw.h('div.stat', null, [dw.h('div.stat-value.est-agents', { text: est.agents === null ? 'unknown' : '≈ ' + dw.fmt.int(est.agents) }), dw.h('div.stat-label', { text: 'Agents (estimate)' })]),
      dw.h('div.stat', null, [dw.h('div.stat-value.est-usd', { text: est.usd === null ? 'unknown' : '≈ ' + dw.fmt.usd(est.usd) }), dw.h('div.stat-label', { text: 'Cost (estimate)' })]),
      r.limits ? dw.h('div.stat', null, [dw.h('div.stat-value', { text: dw.fmt.usd(r.limits.maxUsd) }), dw.h('div.stat-label', { text: 'Budget limit' })]) : null
    ]),
    dw.h('h3', { text: 'Script' }),
    preview,
    comment,
    dw.h('div.buttons', null, [
      button('Approve', 'btn-primary btn-approve', function (ev) { decide(true, ev.currentTarget); }),
      dw.confirmButton('Deny', 'Tap again to deny', 'btn-danger btn-deny', function (btn) { decide(false, btn); })
    ])
  ]);
};
`;
