import type { LightMyRequestResponse } from 'fastify';
import { makeHarness, testConfig, TOKEN, type Harness } from '../http/harness';
import { createLivePage, type LivePage, type LivePageOptions } from '../../src/ui';

export { TOKEN };

export interface PageHarness extends Harness {
  readonly page: LivePage;
  /** Signs in over JSON; returns the Cookie header value and the CSRF token. */
  signIn(): Promise<{ cookie: string; csrf: string }>;
}

/** The HTTP harness with the fake engine, plus the live page wired as serve.ts wires it. */
export function makePageHarness(opts: Partial<LivePageOptions> & { dev?: boolean } = {}): PageHarness {
  const { dev, ...pageOpts } = opts;
  const config = dev ? testConfig({ DW_TOKEN: '', DW_DEV: '1' }) : testConfig();
  const page = createLivePage({ ...pageOpts, token: config.token });
  const h = makeHarness({ config, server: { plugins: [page.plugin], authenticators: [page.authenticator] } });
  return {
    ...h,
    page,
    async signIn() {
      const res = await h.app.inject({ method: 'POST', url: '/ui/session', payload: { token: TOKEN } });
      if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
      return { cookie: cookieFrom(res), csrf: (res.json() as { csrfToken: string }).csrfToken };
    },
  };
}

/** "name=value" of the response's Set-Cookie, ready for a Cookie header. */
export function cookieFrom(res: LightMyRequestResponse): string {
  const raw = res.headers['set-cookie'];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (typeof first !== 'string') throw new Error('no Set-Cookie in the response');
  return first.split(';')[0]!;
}
