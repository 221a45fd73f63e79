/**
 * DOM building and formatting shared by the page's views. Untrusted text (prompts, results,
 * errors) only ever reaches the page through textContent, never innerHTML.
 */
import type { Counts, RunRecord, Usage } from './types';

export type Child = Node | string | number | null | undefined | false | readonly Child[];
export type Attrs = Readonly<Record<string, unknown>>;

function appendChildren(el: Node, c: Child): void {
  if (c === null || c === undefined || c === false) return;
  if (Array.isArray(c)) {
    for (const x of c as readonly Child[]) appendChildren(el, x);
    return;
  }
  el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
}

/** h('div.card.wide', {text, onclick, dataset, ...attributes}, children) */
export function h<E extends HTMLElement = HTMLElement>(tag: string, attrs?: Attrs | null, children?: Child): E {
  const parts = tag.split('.');
  const el = document.createElement(parts[0] || 'div');
  if (parts.length > 1) el.className = parts.slice(1).join(' ');
  if (attrs) {
    Object.keys(attrs).forEach(function (k) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'class') el.className = (el.className ? el.className + ' ' : '') + String(v);
      else if (k === 'text') el.textContent = String(v);
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v as EventListener);
      else if (k === 'dataset') {
        const d = v as Readonly<Record<string, unknown>>;
        Object.keys(d).forEach(function (name) {
          el.dataset[name] = String(d[name]);
        });
      } else if (k === 'value') (el as HTMLInputElement).value = String(v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    });
  }
  appendChildren(el, children);
  return el as E;
}

export const TERMINAL: readonly string[] = ['converged', 'failed', 'cancelled'];
export const isTerminal = (status: string): boolean => TERMINAL.indexOf(status) >= 0;
export const RUN_STATUSES: readonly string[] = ['queued', 'planning', 'awaiting_approval', 'running', 'converged', 'failed', 'cancelled'];
export const STATUS_LABEL: Readonly<Record<string, string>> = {
  queued: 'Queued',
  planning: 'Planning',
  awaiting_approval: 'Awaiting approval',
  running: 'Running',
  converged: 'Converged',
  failed: 'Failed',
  cancelled: 'Cancelled',
  active: 'Active',
  done: 'Done',
};

export function badge(status: string, extra?: string): HTMLElement {
  return h('span.badge.badge-' + status, { text: STATUS_LABEL[status] || status, title: extra || null, dataset: { status: status } });
}

export const fmt = {
  int(n: unknown): string {
    return Number(n || 0).toLocaleString('en-US');
  },
  tokens(value: unknown): string {
    const n = Number(value || 0);
    if (n < 1000) return String(n);
    if (n < 1e6) return (n / 1e3).toFixed(n < 1e4 ? 1 : 0) + 'k';
    return (n / 1e6).toFixed(n < 1e7 ? 2 : 1) + 'M';
  },
  usd(value: unknown): string {
    const v = Number(value || 0);
    if (v === 0) return '$0';
    if (v >= 100) return '$' + v.toFixed(0);
    if (v >= 1) return '$' + v.toFixed(2);
    return '$' + v.toFixed(4);
  },
  duration(ms: number): string {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + 's';
    const m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + (s % 60) + 's';
    const hr = Math.floor(m / 60);
    if (hr < 48) return hr + 'h ' + (m % 60) + 'm';
    return Math.floor(hr / 24) + 'd ' + (hr % 24) + 'h';
  },
  age(iso: string): string {
    const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
    if (!isFinite(s)) return '';
    if (s < 60) return s + 's ago';
    if (s < 3600) return Math.floor(s / 60) + 'm ago';
    if (s < 172800) return Math.floor(s / 3600) + 'h ago';
    return Math.floor(s / 86400) + 'd ago';
  },
  percent(x: unknown): string {
    return Math.round(Number(x) * 100) + '%';
  },
  totalTokens(u: Usage | null | undefined): number {
    if (!u) return 0;
    return (u.inputTokens || 0) + (u.outputTokens || 0) + (u.cacheReadTokens || 0) + (u.cacheWriteTokens || 0);
  },
  /** "input N · output N · cache read N · cache write N": where a usage's tokens went. */
  tokenBreakdown(u: Usage): string {
    return [
      'input ' + fmt.int(u.inputTokens),
      'output ' + fmt.int(u.outputTokens),
      'cache read ' + fmt.int(u.cacheReadTokens),
      'cache write ' + fmt.int(u.cacheWriteTokens),
    ].join(' · ');
  },
  json(v: unknown): string {
    if (typeof v === 'string') return v;
    try {
      return String(JSON.stringify(v, null, 2));
    } catch {
      return String(v);
    }
  },
};

/** Elapsed time of a run: until its last update once it has ended, until now while it runs. */
export function elapsed(run: RunRecord): number {
  const end = isTerminal(run.status) ? Date.parse(run.updatedAt) : Date.now();
  return end - Date.parse(run.createdAt);
}

/** A segmented bar: done, failed and active agents out of all issued. */
export function progress(counts: Counts, label?: string): HTMLElement {
  const total = Math.max(1, counts.total || 0);
  const seg = (cls: string, n: number | undefined): HTMLElement => {
    const el = h('span.seg.' + cls);
    el.style.width = (100 * (n || 0)) / total + '%';
    return el;
  };
  const done = counts.done || 0;
  return h(
    'div.progress',
    {
      role: 'progressbar',
      'aria-label': label || 'Agents done',
      'aria-valuemin': 0,
      'aria-valuemax': counts.total || 0,
      'aria-valuenow': done,
    },
    [seg('done', done), seg('failed', counts.failed), seg('active', counts.active)],
  );
}

export function title(run: RunRecord): string {
  return (run.meta && typeof run.meta.name === 'string' && run.meta.name) || run.task || run.id;
}

export function toast(message: string, kind?: 'info' | 'ok' | 'error'): void {
  const box = document.getElementById('toasts');
  if (!box) return;
  const el = h('div.toast.toast-' + (kind || 'info'), { role: kind === 'error' ? 'alert' : 'status', text: message });
  box.appendChild(el);
  setTimeout(
    function () {
      el.remove();
    },
    kind === 'error' ? 8000 : 4000,
  );
}

/**
 * A button that asks again before acting: the first tap arms it, the second within 5 s acts.
 * Touch screens have no hover, and a stray tap must not stop a run.
 */
export function confirmButton(
  label: string,
  confirmLabel: string,
  cls: string,
  action: (btn: HTMLButtonElement) => void,
): HTMLButtonElement {
  let armed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const btn = h<HTMLButtonElement>('button.btn.' + cls, { type: 'button', text: label });
  btn.addEventListener('click', function () {
    if (!armed) {
      armed = true;
      btn.textContent = confirmLabel;
      btn.classList.add('armed');
      timer = setTimeout(function () {
        armed = false;
        btn.textContent = label;
        btn.classList.remove('armed');
      }, 5000);
      return;
    }
    clearTimeout(timer);
    armed = false;
    btn.textContent = label;
    btn.classList.remove('armed');
    action(btn);
  });
  return btn;
}

/** Runs an API action with the button disabled; errors become a toast. */
export function act<T>(btn: HTMLButtonElement | null, promise: Promise<T>, okMessage?: string): Promise<T | null> {
  if (btn) btn.disabled = true;
  return promise
    .then(
      function (v): T | null {
        if (okMessage) toast(okMessage, 'ok');
        return v;
      },
      function (err: unknown): null {
        toast((err instanceof Error && err.message) || String(err), 'error');
        return null;
      },
    )
    .finally(function () {
      if (btn) btn.disabled = false;
    });
}
