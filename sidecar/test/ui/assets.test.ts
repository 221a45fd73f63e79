import * as acorn from 'acorn';
import { SCRIPT_API_GLOBALS, VERIFICATION_GLOBALS } from '../../src/core/names';
import { APP_SCRIPT, asset, assetVersion, STYLESHEET } from '../../src/ui/assets';
import { highlight, SCRIPT_GLOBALS } from '../../src/ui/page/highlight';
import { appPage, signInPage } from '../../src/ui/shell';

describe('live page assets', () => {
  test('the bundle parses as a classic browser script', () => {
    expect(() => acorn.parse(APP_SCRIPT.body, { ecmaVersion: 2022, sourceType: 'script' })).not.toThrow();
  });

  test("the highlighter knows every global the sandbox gives a script, from the sandbox's own lists", () => {
    expect(SCRIPT_GLOBALS).toEqual([...SCRIPT_API_GLOBALS, ...VERIFICATION_GLOBALS]);
    for (const name of SCRIPT_GLOBALS) {
      expect(highlight(`${name};`)[0]![0]).toEqual(['dw', name]);
      expect(APP_SCRIPT.body).toContain(`"${name}"`);
    }
  });

  test('the page is bundled from its TypeScript sources into one classic script', () => {
    expect(APP_SCRIPT.body).toMatch(/^"use strict";\n\(\(\) => \{/);
    expect(APP_SCRIPT.body).toContain('// src/ui/page/app.ts');
    expect(APP_SCRIPT.body).not.toMatch(/^\s*(import|export)\s/m);
  });

  test('nothing is loaded from another origin: no absolute URLs in the script, styles or pages', () => {
    const pages = [APP_SCRIPT.body, STYLESHEET.body, signInPage('x'), appPage('csrf'), appPage(null)];
    for (const text of pages) expect(text).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(STYLESHEET.body).not.toMatch(/@import|url\(/);
  });

  test('asset versions change with their content, and the same content keeps its version', () => {
    const type = 'text/javascript; charset=utf-8';
    const a = asset('console.log(1);\n', type);
    const b = asset('console.log(2);\n', type);
    expect(a.version).toMatch(/^[0-9a-f]{16}$/);
    expect(b.version).not.toBe(a.version);
    expect(asset('console.log(1);\n', type).version).toBe(a.version);
    // The served assets carry the version of exactly the bytes they serve.
    expect(APP_SCRIPT.version).toBe(assetVersion(APP_SCRIPT.body));
    expect(STYLESHEET.version).toBe(assetVersion(STYLESHEET.body));
    expect(asset(`${APP_SCRIPT.body}\n// edited`, type).version).not.toBe(APP_SCRIPT.version);
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
