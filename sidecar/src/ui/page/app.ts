/** The page frame and the hash router: #/runs[?status=…], #/runs/<id>[/<tab>]. */
import { api, devMode } from './api';
import { h } from './dom';
import { runView, type RunView } from './run-view';
import { runsView } from './runs-list';

export type Route =
  { view: 'run'; id: string; tab: string; params: Record<string, string> } | { view: 'runs'; params: Record<string, string> };

export function parseHash(hash: unknown): Route {
  const raw = String(hash || '').replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const params: Record<string, string> = {};
  if (q >= 0)
    new URLSearchParams(raw.slice(q + 1)).forEach(function (v, k) {
      params[k] = v;
    });
  const parts = path
    .split('/')
    .filter(Boolean)
    .map(function (p) {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  if (parts[0] === 'runs' && parts[1]) return { view: 'run', id: parts[1], tab: parts[2] || 'overview', params: params };
  return { view: 'runs', params: params };
}

export function main(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const signOut = devMode()
    ? h('span.tag', { text: 'development mode' })
    : h('button.btn.btn-link.btn-signout', { type: 'button', text: 'Sign out' });
  if (!devMode()) {
    signOut.addEventListener('click', function () {
      api('POST', '/ui/logout')
        .catch(function () {
          /* signed out either way */
        })
        .finally(function () {
          location.href = '/';
        });
    });
  }
  const view = h('main.view', { id: 'view' });
  app.replaceChildren(
    h('header.top', null, [h('a.brand', { href: '#/runs', text: 'Dynamic workflows' }), signOut]),
    view,
    h('div.toasts', { id: 'toasts', 'aria-live': 'polite' }),
  );

  let current: (RunView | { dispose(): void; runId?: undefined }) | null = null;
  function route(): void {
    const r = parseHash(location.hash);
    if (r.view === 'run' && current && current.runId === r.id) {
      (current as RunView).setTab(r.tab);
      return;
    }
    if (current) current.dispose();
    window.scrollTo(0, 0);
    current = r.view === 'run' ? runView(view, r.id, r.tab) : runsView(view, r.params);
  }
  window.addEventListener('hashchange', route);
  route();
}
