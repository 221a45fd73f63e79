/** What a person can do to a run: approve or deny its plan, pause, resume, stop, rerun. */
import { api, errorMessage } from './api';
import { act, confirmButton, fmt, h, isTerminal } from './dom';
import type { RunState } from './run-state';
import { codeView } from './script-view';
import type { RunContext, RunRecord } from './types';

function runPath(run: RunRecord, action: string): string {
  return '/v1/runs/' + encodeURIComponent(run.id) + '/' + action;
}

function button(label: string, cls: string, onclick: (ev: MouseEvent) => void): HTMLButtonElement {
  return h<HTMLButtonElement>('button.btn.' + cls, { type: 'button', text: label, onclick: onclick });
}

const target = (ev: Event): HTMLButtonElement => ev.currentTarget as HTMLButtonElement;

/** Rebuilt only when this key changes, so an armed Stop button or a typed comment survives redraws. */
export function barKey(run: RunRecord): string {
  return [run.status, run.paused, run.hasScript].join('|');
}

export function bar(state: RunState, ctx: RunContext): HTMLElement | null {
  const r = state.run;
  const items: HTMLElement[] = [];
  const live = !isTerminal(r.status);
  if (live && r.status !== 'awaiting_approval') {
    if (r.paused) {
      items.push(
        button('Resume', 'btn-primary btn-resume', function (ev) {
          void act(target(ev), api('POST', runPath(r, 'resume')), 'Resumed').then(ctx.refresh);
        }),
      );
    } else if (r.status === 'running') {
      items.push(
        button('Pause', 'btn-secondary btn-pause', function (ev) {
          void act(target(ev), api('POST', runPath(r, 'pause')), 'Paused: running agents finish, no new ones start').then(ctx.refresh);
        }),
      );
    }
    items.push(
      confirmButton('Stop', 'Tap again to stop', 'btn-danger btn-stop', function (btn) {
        void act(btn, api('POST', runPath(r, 'cancel'), { reason: 'Stopped from the live page' }), 'Run stopped').then(ctx.refresh);
      }),
    );
  }
  if (!live && r.hasScript) {
    items.push(
      button('Rerun', 'btn-secondary btn-rerun', function (ev) {
        void act(target(ev), api<{ id?: string } | null>('POST', runPath(r, 'rerun'), {})).then(function (fresh) {
          if (fresh && fresh.id) location.hash = '#/runs/' + encodeURIComponent(fresh.id);
        });
      }),
    );
    items.push(
      button('Edit & rerun', 'btn-secondary btn-edit', function () {
        ctx.editScript();
      }),
    );
  }
  if (items.length === 0 && !r.paused) return null;
  return h('div.actions', null, [
    r.paused ? h('p.paused-note', { role: 'status', text: 'Paused: no new agents are dispatched; running ones finish.' }) : null,
    items.length ? h('div.buttons', null, items) : null,
  ]);
}

export function approval(state: RunState, ctx: RunContext): HTMLElement | null {
  const r = state.run;
  if (r.status !== 'awaiting_approval') return null;
  const est = r.estimate || { agents: null, usd: null };
  const comment = h<HTMLTextAreaElement>('textarea.comment', {
    rows: 2,
    maxlength: 10000,
    placeholder: 'Comment (optional)',
    'aria-label': 'Comment on the decision',
  });
  const preview = h('div.script-preview', null, h('p.muted', { text: 'Loading the script…' }));
  api('GET', '/v1/runs/' + encodeURIComponent(r.id) + '/script').then(
    function (src) {
      preview.replaceChildren(codeView(String(src)));
    },
    function (err: unknown) {
      preview.replaceChildren(h('p.error', { text: 'The script could not be loaded: ' + errorMessage(err) }));
    },
  );
  const decide = function (approved: boolean, btn: HTMLButtonElement): void {
    const body: { approved: boolean; comment?: string } = { approved: approved };
    if (comment.value.trim()) body.comment = comment.value.trim();
    void act(btn, api('POST', runPath(r, 'approve'), body), approved ? 'Plan approved' : 'Plan denied').then(ctx.refresh);
  };
  return h('section.card.card-approval', { 'aria-label': 'Plan approval' }, [
    h('h2', { text: 'The plan is waiting for your approval' }),
    h('div.estimate', null, [
      h('div.stat', null, [
        h('div.stat-value.est-agents', { text: est.agents === null ? 'unknown' : '≈ ' + fmt.int(est.agents) }),
        h('div.stat-label', { text: 'Agents (estimate)' }),
      ]),
      h('div.stat', null, [
        h('div.stat-value.est-usd', { text: est.usd === null ? 'unknown' : '≈ ' + fmt.usd(est.usd) }),
        h('div.stat-label', { text: 'Cost (estimate)' }),
      ]),
      r.limits
        ? h('div.stat', null, [h('div.stat-value', { text: fmt.usd(r.limits.maxUsd) }), h('div.stat-label', { text: 'Budget limit' })])
        : null,
    ]),
    h('h3', { text: 'Script' }),
    preview,
    comment,
    h('div.buttons', null, [
      button('Approve', 'btn-primary btn-approve', function (ev) {
        decide(true, target(ev));
      }),
      confirmButton('Deny', 'Tap again to deny', 'btn-danger btn-deny', function (btn) {
        decide(false, btn);
      }),
    ]),
  ]);
}
