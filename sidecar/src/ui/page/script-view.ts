/** The run's script: read with line numbers and highlighting, or edited and rerun. */
import { api, ApiError, errorMessage } from './api';
import { act, h, toast } from './dom';
import { highlight } from './highlight';
import type { RunContext } from './types';

/** Lines wrap instead of scrolling sideways, so a phone never needs horizontal scrolling. */
export function codeView(source: string): HTMLElement {
  const lines = highlight(source);
  const box = h('div.code', { role: 'region', 'aria-label': 'Script, ' + lines.length + ' lines', tabindex: 0 });
  const frag = document.createDocumentFragment();
  lines.forEach(function (tokens, i) {
    const src = h('span.src');
    tokens.forEach(function (t) {
      src.appendChild(
        t[0] === 'ws' || t[0] === 'id' || t[0] === 'pun' ? document.createTextNode(t[1]) : h('span.tok-' + t[0], { text: t[1] }),
      );
    });
    frag.appendChild(h('div.line', null, [h('span.ln', { 'aria-hidden': 'true', text: String(i + 1) }), src]));
  });
  box.appendChild(frag);
  return box;
}

export interface ScriptPane {
  readonly el: HTMLElement;
  /** Called when the record changes: loads the script once it exists. */
  update(): void;
  edit(): void;
  show(): void;
}

export function scriptPane(ctx: RunContext): ScriptPane {
  const el = h('section.card.card-script', { 'aria-label': 'Script' });
  let source: string | null = null;
  let editing = false;
  let loading = false;

  function runId(): string {
    return encodeURIComponent(ctx.run().id);
  }

  function renderEditor(text: string): void {
    const area = h<HTMLTextAreaElement>('textarea.editor', {
      spellcheck: 'false',
      autocapitalize: 'off',
      autocomplete: 'off',
      autocorrect: 'off',
      rows: Math.min(40, Math.max(12, text.split('\n').length + 2)),
      'aria-label': 'Edit the script',
      value: text,
    });
    const rerun = h<HTMLButtonElement>('button.btn.btn-primary.btn-rerun-edited', { type: 'button', text: 'Rerun with this script' });
    rerun.addEventListener('click', function () {
      void act(rerun, api<{ id?: string } | null>('POST', '/v1/runs/' + runId() + '/rerun', { script: area.value })).then(function (fresh) {
        if (fresh && fresh.id) ctx.navigate(fresh.id);
      });
    });
    el.replaceChildren(
      h('div.pane-head', null, [h('h2', { text: 'Edit the script' })]),
      h('p.muted', { text: 'The new run reuses every agent call of this run whose prompt and options are unchanged.' }),
      area,
      h('div.buttons', null, [
        rerun,
        h('button.btn.btn-secondary.btn-cancel-edit', {
          type: 'button',
          text: 'Cancel',
          onclick: function () {
            editing = false;
            render();
          },
        }),
      ]),
    );
    area.focus();
  }

  function render(): void {
    const run = ctx.run();
    if (source === null) {
      el.replaceChildren(
        h('h2', { text: 'Script' }),
        h('p.muted', {
          text: run.hasScript ? 'Loading the script…' : 'No script yet: the planner is writing it.',
        }),
      );
      return;
    }
    if (editing) {
      renderEditor(source);
      return;
    }
    const lines = source.split('\n').length;
    el.replaceChildren(
      h('div.pane-head', null, [h('h2', { text: 'Script' }), h('span.muted', { text: lines + ' lines' })]),
      h('div.buttons', null, [
        h('button.btn.btn-secondary.btn-edit-script', {
          type: 'button',
          text: 'Edit & rerun',
          onclick: function () {
            editing = true;
            render();
          },
        }),
        h('a.btn.btn-secondary', { href: '/v1/runs/' + runId() + '/script', download: ctx.run().id + '.js', text: 'Download' }),
      ]),
      codeView(source),
    );
  }

  function load(): void {
    if (loading || source !== null || !ctx.run().hasScript) {
      render();
      return;
    }
    loading = true;
    render();
    api('GET', '/v1/runs/' + runId() + '/script')
      .then(
        function (text) {
          source = String(text);
        },
        function (err: unknown) {
          if (!(err instanceof ApiError && err.code === 'script_not_ready'))
            toast('The script could not be loaded: ' + errorMessage(err), 'error');
        },
      )
      .finally(function () {
        loading = false;
        render();
      });
  }

  return {
    el: el,
    update: function () {
      if (source === null) load();
    },
    edit: function () {
      editing = true;
      if (source === null) load();
      else render();
    },
    show: load,
  };
}
