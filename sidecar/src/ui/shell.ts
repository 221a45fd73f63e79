import { APP_SCRIPT, STYLESHEET } from './assets';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Scripts and styles from this origin only; no framing (the page has buttons that stop runs). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function head(title: string, extra = ''): string {
  return (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<meta name="color-scheme" content="light dark">\n' +
    '<meta name="referrer" content="no-referrer">\n' +
    `<title>${escapeHtml(title)}</title>\n` +
    '<link rel="icon" href="data:,">\n' +
    `<link rel="stylesheet" href="/ui/app.css?v=${STYLESHEET.version}">\n${extra}</head>\n`
  );
}

/** The page for someone not signed in: a token field and nothing else (no script, nothing about runs). */
export function signInPage(error: string | null): string {
  return (
    head('Sign in · Dynamic workflows') +
    '<body class="signin">\n<main class="signin-card">\n<h1>Dynamic workflows</h1>\n' +
    '<p class="muted">Sign in with the sidecar\'s token (<code>DW_TOKEN</code>) to watch, approve and stop runs.</p>\n' +
    '<form method="post" action="/ui/session" autocomplete="on">\n' +
    '<input type="text" name="username" value="dynamic-workflows" autocomplete="username" hidden>\n' +
    '<label for="token">Token</label>\n' +
    '<input id="token" name="token" type="password" autocomplete="current-password" required autofocus spellcheck="false" autocapitalize="off">\n' +
    (error ? `<p class="signin-error" role="alert">${escapeHtml(error)}</p>\n` : '') +
    '<button class="btn btn-primary" type="submit">Sign in</button>\n</form>\n</main>\n</body>\n</html>\n'
  );
}

/** The app for someone signed in (or in development mode): the script builds everything else. */
export function appPage(csrfToken: string | null): string {
  return (
    head(
      'Dynamic workflows',
      `<meta name="dw-csrf" content="${escapeHtml(csrfToken ?? '')}">\n` +
        `<meta name="dw-mode" content="${csrfToken === null ? 'dev' : 'token'}">\n` +
        `<script src="/ui/app.js?v=${APP_SCRIPT.version}" defer></script>\n`,
    ) +
    '<body>\n<div id="app"><p class="muted loading-shell">Loading…</p></div>\n' +
    '<noscript><p>The live run page needs JavaScript.</p></noscript>\n</body>\n</html>\n'
  );
}
