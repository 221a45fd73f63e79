/** The API's `input` takes any JSON value and hands it to the engine verbatim: Claude Code's `args`. */
import { AUTH, makeHarness, type Harness } from '../http/harness';

describe('POST /v1/runs input: any JSON value', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
  });
  afterEach(() => h.close());

  it.each([
    ['a string', 'What is a monad?'],
    ['an array', ['src/a.ts', 'src/b.ts']],
    ['an object', { goal: 'ship', audience: { tags: ['a'] } }],
    ['a number', 42],
    ['a boolean', false],
    ['null', null],
  ])('%s is accepted and reaches the engine as given', async (_what, input) => {
    const body = { task: 't', script: 'return args;', input };
    const res = await h.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: body });
    expect(res.statusCode).toBe(201);
    expect(h.engine.calls).toEqual([{ method: 'start', args: [body] }]);
  });

  it('no input at all reaches the engine without one', async () => {
    const body = { task: 't', script: 'return args;' };
    const res = await h.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: body });
    expect(res.statusCode).toBe(201);
    expect(h.engine.calls).toEqual([{ method: 'start', args: [body] }]);
  });
});
