import * as acorn from 'acorn';
import { APP_SCRIPT, CLIENT_MODULES, STYLESHEET } from '../../src/ui/assets';
import { appPage, signInPage } from '../../src/ui/shell';

describe('live page assets', () => {
  test('the bundle parses as a classic browser script', () => {
    expect(() => acorn.parse(APP_SCRIPT.body, { ecmaVersion: 2022, sourceType: 'script' })).not.toThrow();
  });

  test('the highlighter knows every global the sandbox gives a script', () => {
    expect(APP_SCRIPT.body).toMatch(/dw\.SCRIPT_GLOBALS = \[[^\]]*"agent"[^\]]*"verify"[^\]]*\];/);
  });

  test('client modules hold no backtick or dollar-brace, which their String.raw templates would mangle', () => {
    for (const m of CLIENT_MODULES) {
      expect(m).not.toContain('`');
      expect(m).not.toContain('${');
    }
  });

  test('nothing is loaded from another origin: no absolute URLs in the script, styles or pages', () => {
    const pages = [APP_SCRIPT.body, STYLESHEET.body, signInPage('x'), appPage('csrf'), appPage(null)];
    for (const text of pages) expect(text).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(STYLESHEET.body).not.toMatch(/@import|url\(/);
  });

  test('asset versions change with their content', () => {
    expect(APP_SCRIPT.version).toMatch(/^[0-9a-f]{16}$/);
    expect(STYLESHEET.version).not.toBe(APP_SCRIPT.version);
  });

  test('the sign-in page carries no script and escapes its message', () => {
    const page = signInPage('<b>bad</b>');
    expect(page).not.toContain('<script');
    expect(page).toContain('&lt;b&gt;bad&lt;/b&gt;');
    expect(page).toContain('name="token"');
  });

  test('the app page carries the CSRF token, escaped, and loads the versioned script', () => {
    const page = appPage('a"b');
    expect(page).toContain('content="a&quot;b"');
    expect(page).toContain(`/ui/app.js?v=${APP_SCRIPT.version}`);
    expect(page).not.toMatch(/ style=/);
  });
});
