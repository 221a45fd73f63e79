import { AgentLimitError, ItemLimitError, ResultTooLargeError } from '../../src/errors/errors';
import { IsolatedVmSandbox } from '../../src/sandbox';
import { FakeHost, failure, ok, runOf } from './fake-host';

const sandbox = new IsolatedVmSandbox();

describe('the script API', () => {
  test('agent, parallel and pipeline compose into the returned result', async () => {
    const host = new FakeHost({ answer: (_seq, prompt) => prompt.toUpperCase() });
    const outcome = await sandbox.run(
      runOf(
        `
      export const meta = { name: 'demo' };
      phase('scan');
      const found = await parallel(args.files.map((f) => () => agent('scan ' + f, { label: f })));
      phase('refine');
      const refined = await pipeline(found, (prev) => agent('refine ' + prev), (prev, item, i) => prev + '|' + item + '|' + i);
      return { meta: meta.name, found, refined };
    `,
        { host, args: { files: ['a.ts', 'b.ts'] } },
      ),
    );
    expect(ok(outcome)).toEqual({
      meta: 'demo',
      found: ['SCAN A.TS', 'SCAN B.TS'],
      refined: ['REFINE SCAN A.TS|SCAN A.TS|0', 'REFINE SCAN B.TS|SCAN B.TS|1'],
    });
    expect(host.phases).toEqual(['scan', 'refine']);
    expect(host.calls.map((c) => c.opts.label ?? null)).toEqual(['a.ts', 'b.ts', null, null]);
  });

  test('seq numbers follow issue order, assigned before any answer arrives', async () => {
    // Later calls answer first, so arrival order at the host cannot explain the numbering.
    const host = new FakeHost({ latency: (seq) => 40 - seq * 5, answer: (seq) => seq });
    const outcome = await sandbox.run(
      runOf(
        `
      const first = agent('one');
      const second = agent('two');
      const rest = await parallel(['three', 'four', 'five'].map((p) => () => agent(p)));
      return [await first, await second, ...rest];
    `,
        { host },
      ),
    );
    expect(ok(outcome)).toEqual([1, 2, 3, 4, 5]);
    expect(host.calls.map((c) => [c.seq, c.prompt])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
      [4, 'four'],
      [5, 'five'],
    ]);
  });

  test('a phase reaches the host between the agents issued before and after it', async () => {
    const host = new FakeHost({ latency: () => 5 });
    ok(
      await sandbox.run(
        runOf(
          `
      const a = agent('a');
      phase('verify');
      const b = agent('b');
      log('issued');
      return [await a, await b];
    `,
          { host },
        ),
      ),
    );
    expect(host.timeline).toEqual(['agent:1', 'phase:verify', 'agent:2', 'log:issued']);
  });

  test('parallel turns a thunk that throws or rejects into null and logs why', async () => {
    const host = new FakeHost({ answer: (seq) => (seq === 2 ? null : `ok${seq}`) });
    const outcome = await sandbox.run(
      runOf(
        `
      return await parallel([
        () => agent('fine'),
        () => agent('fails terminally'),
        () => { throw new TypeError('bad thunk'); },
        async () => { await agent('then breaks'); return null.x; },
        () => 'plain value',
      ]);
    `,
        { host },
      ),
    );
    expect(ok(outcome)).toEqual(['ok1', null, null, null, 'plain value']);
    expect(host.logs).toEqual(
      expect.arrayContaining([
        'parallel(): item 2 failed and became null: TypeError: bad thunk',
        expect.stringMatching(/^parallel\(\): item 3 failed and became null: TypeError: Cannot read properties of null/),
      ]),
    );
  });

  test('pipeline has no barrier: a fast item reaches stage 2 while a slow item is still in stage 1', async () => {
    const host = new FakeHost({ latency: (_seq, prompt) => (prompt === 's1:0' ? 5 : prompt.startsWith('s1:') ? 300 : 5) });
    const outcome = await sandbox.run(
      runOf(
        `
      return await pipeline([0, 1, 2],
        (prev, item) => agent('s1:' + item),
        (prev, item, index) => agent('s2:' + item).then((r) => index + ':' + r));
    `,
        { host },
      ),
    );
    expect(ok(outcome)).toEqual(['0:answer:s2:0', '1:answer:s2:1', '2:answer:s2:2']);
    const call = (prompt: string) => {
      const found = host.calls.find((c) => c.prompt === prompt);
      if (!found) throw new Error(`no call ${prompt}`);
      return found;
    };
    const slowStage1Done = Math.min(call('s1:1').endedAt ?? Infinity, call('s1:2').endedAt ?? Infinity);
    expect(call('s2:0').startedAt).toBeLessThan(slowStage1Done);
  });

  test('a failing pipeline stage makes that item null and skips its later stages', async () => {
    const host = new FakeHost();
    const outcome = await sandbox.run(
      runOf(
        `
      return await pipeline(['a', 'b'],
        (prev) => { if (prev === 'b') throw new Error('no b'); return prev + '1'; },
        (prev) => agent('stage2 ' + prev));
    `,
        { host },
      ),
    );
    expect(ok(outcome)).toEqual(['answer:stage2 a1', null]);
    expect(host.calls.map((c) => c.prompt)).toEqual(['stage2 a1']);
    expect(host.logs).toEqual(['pipeline(): item 1 failed and became null: Error: no b']);
  });

  test('a run-level error from the host is not swallowed by parallel: the run fails with its code', async () => {
    const host = new FakeHost({ reject: (seq) => (seq === 2 ? { code: 'budget_tokens', message: 'Token budget exhausted' } : null) });
    const error = failure(
      await sandbox.run(
        runOf(
          `
      const r = await parallel([1, 2, 3].map((i) => () => agent('p' + i)));
      return r;
    `,
          { host },
        ),
      ),
    );
    expect(error).toEqual({ code: 'budget_tokens', message: 'Token budget exhausted' });
  });

  test('a host error keeps its code inside the script', async () => {
    const host = new FakeHost({ reject: () => ({ code: 'cancelled', message: 'Run cancelled' }) });
    const result = ok(
      await sandbox.run(
        runOf(
          `
      try { await agent('x'); } catch (e) { return [e.code, e.message, e instanceof Error]; }
    `,
          { host },
        ),
      ),
    );
    expect(result).toEqual(['cancelled', 'Run cancelled', true]);
  });

  test('agent() validates its arguments with clear errors', async () => {
    const cases: [string, RegExp][] = [
      ["agent('')", /prompt must be a non-empty string, got an empty string/],
      ['agent(42)', /prompt must be a non-empty string, got the number 42/],
      ["agent('x', [])", /opts must be a plain object, got an array/],
      [
        "agent('x', { lable: 'typo' })",
        /unknown option "lable"; known options: label, phase, schema, model, system, tools, maxTurns, effort, agentType, isolation/,
      ],
      ["agent('x', { isolation: 'container' })", /opts\.isolation must be 'worktree', got a string/],
      ["agent('x', { isolation: true })", /opts\.isolation must be 'worktree', got a boolean/],
      ["agent('x', { effort: 'extreme' })", /opts\.effort must be one of 'low', 'medium', 'high', 'max', got a string/],
      ["agent('x', { agentType: 3 })", /opts\.agentType must be a string, got the number 3/],
      ["agent('x', { tools: 'grep' })", /opts\.tools must be an array of tool names, got a string/],
      ["agent('x', { maxTurns: 0 })", /opts\.maxTurns must be a positive integer/],
      ["agent('x', { schema: { type: 'object', check: () => true } })", /opts\.schema\.check must be plain JSON; found a function/],
      ["agent('x', { model: 7 })", /opts\.model must be a string, got the number 7/],
    ];
    for (const [call, message] of cases) {
      const host = new FakeHost();
      const error = failure(await sandbox.run(runOf(`${call};`, { host })));
      expect(error.code).toBe('script_error');
      expect(error.message).toMatch(/^TypeError: agent\(/);
      expect(error.message).toMatch(message);
      expect(host.calls).toHaveLength(0);
    }
  });

  test('valid agent options reach the host as a clean copy', async () => {
    const host = new FakeHost();
    ok(
      await sandbox.run(
        runOf(
          `
      const schema = { type: 'object', properties: { n: { type: 'number' } } };
      await agent('x', { label: 'L', phase: 'P', schema, model: 'm', system: 's', tools: ['grep'], maxTurns: 3 });
      await agent('y', { label: undefined, model: null });
      schema.properties.n.type = 'string';
      return null;
    `,
          { host },
        ),
      ),
    );
    expect(host.calls[0].opts).toEqual({
      label: 'L',
      phase: 'P',
      schema: { type: 'object', properties: { n: { type: 'number' } } },
      model: 'm',
      system: 's',
      tools: ['grep'],
      maxTurns: 3,
    });
    expect(host.calls[1].opts).toEqual({});
  });

  test('options set to undefined are ignored, whatever their name (spreads and ternaries), and effort and agentType pass', async () => {
    const host = new FakeHost();
    ok(
      await sandbox.run(
        runOf(
          `
      const base = { label: 'b', model: undefined, isolation: undefined, somethingElse: undefined };
      await agent('x', { ...base, effort: 'high', agentType: 'general-purpose', phase: args ? 'p' : undefined });
      await agent('y', { ...base, isolation: 'worktree' });
      return null;
    `,
          { host },
        ),
      ),
    );
    expect(host.calls[0].opts).toEqual({ label: 'b', effort: 'high', agentType: 'general-purpose' });
    expect(host.calls[1].opts).toEqual({ label: 'b', isolation: 'worktree' });
  });

  test('the (maxAgents+1)-th agent() call throws agent_limit and an uncaught one fails the run', async () => {
    const host = new FakeHost();
    const error = failure(
      await sandbox.run(
        runOf(
          `
      for (let i = 0; i < 10; i++) await agent('p' + i);
    `,
          { host, limits: { maxAgents: 3 } },
        ),
      ),
    );
    expect(error).toEqual(new AgentLimitError(3).toJSON());
    expect(host.calls).toHaveLength(3);
  });

  test('agent_limit inside parallel fails the run instead of becoming null', async () => {
    const host = new FakeHost();
    const error = failure(
      await sandbox.run(
        runOf(
          `
      return await parallel([1, 2, 3, 4, 5].map((i) => () => agent('p' + i)));
    `,
          { host, limits: { maxAgents: 2 } },
        ),
      ),
    );
    expect(error.code).toBe('agent_limit');
    expect(host.calls).toHaveLength(2);
  });

  test('a script may catch agent_limit and carry on', async () => {
    const result = ok(
      await sandbox.run(
        runOf(
          `
      await agent('one');
      try { await agent('two'); } catch (e) { return e.code + ' ' + e.name; }
    `,
          { limits: { maxAgents: 1 } },
        ),
      ),
    );
    expect(result).toBe('agent_limit AgentLimitError');
  });

  test('parallel and pipeline refuse more than maxItems items with item_limit', async () => {
    for (const call of ['parallel(args.items.map((i) => () => agent(String(i))))', "pipeline(args.items, (p) => agent('x' + p))"]) {
      const host = new FakeHost();
      const error = failure(
        await sandbox.run(runOf(`return await ${call};`, { host, args: { items: [1, 2, 3, 4] }, limits: { maxItems: 3 } })),
      );
      expect(error).toEqual(new ItemLimitError(4, 3).toJSON());
      expect(host.calls).toHaveLength(0);
    }
  });

  test('parallel and pipeline explain a wrong argument', async () => {
    expect(failure(await sandbox.run(runOf("return parallel(['a', 'b']);"))).message).toMatch(
      /parallel\(thunks\): item 0 is a string; expected a function such as \(\) => agent/,
    );
    expect(failure(await sandbox.run(runOf('return parallel(() => 1);'))).message).toMatch(/expected an array of functions/);
    expect(failure(await sandbox.run(runOf('return pipeline([1], 5);'))).message).toMatch(/stage 1 is the number 5/);
  });

  test('budget reads the host: tokens as numbers (Claude Code), USD under budget.usd', async () => {
    const host = new FakeHost({ budget: { total: { tokens: 1000, usd: 2 }, spent: { tokens: 1200, usd: 0.5 } } });
    const script =
      'return [budget.total, budget.spent(), budget.remaining(), budget.usd.total, budget.usd.spent(), budget.usd.remaining()];';
    expect(ok(await sandbox.run(runOf(script, { host })))).toEqual([1000, 1200, 0, 2, 0.5, 1.5]);
  });

  test('with no total, budget.total is null and remaining() is Infinity', async () => {
    const host = new FakeHost({ budget: { total: { tokens: Infinity, usd: Infinity }, spent: { tokens: 7, usd: 0 } } });
    const script =
      'return [budget.total, budget.spent(), budget.remaining() === Infinity, budget.usd.total, budget.usd.remaining() === Infinity];';
    expect(ok(await sandbox.run(runOf(script, { host })))).toEqual([null, 7, true, null, true]);
  });

  test('log stringifies anything safely', async () => {
    const host = new FakeHost();
    ok(
      await sandbox.run(
        runOf(
          `
      const loop = { name: 'loop' }; loop.self = loop;
      log('text', 1, undefined, null, { a: [1, 2n] }, loop, new RangeError('boom'), function named() {});
      log('x'.repeat(20000));
      return null;
    `,
          { host },
        ),
      ),
    );
    expect(host.logs[0]).toBe('text 1 undefined null {"a":[1,"2n"]} {"name":"loop","self":"[Circular]"} RangeError: boom [Function named]');
    expect(host.logs[1]).toHaveLength(10000 + '… (truncated)'.length);
  });

  test('args is a deep copy: the script cannot change the caller’s object', async () => {
    const args = { nested: { n: 1 }, list: [1] };
    const result = ok(await sandbox.run(runOf('args.nested.n = 2; args.list.push(2); return args;', { args })));
    expect(result).toEqual({ nested: { n: 2 }, list: [1, 2] });
    expect(args).toEqual({ nested: { n: 1 }, list: [1] });
  });

  test('args is undefined when the run has no input (Claude Code), and verbatim otherwise', async () => {
    expect(ok(await sandbox.run(runOf("return typeof args === 'undefined';")))).toBe(true);
    expect(ok(await sandbox.run(runOf("return typeof args === 'undefined';", { args: null })))).toBe(true);
    expect(ok(await sandbox.run(runOf('return args;', { args: 'just text' })))).toBe('just text');
    expect(ok(await sandbox.run(runOf('return args;', { args: [1, 'two'] })))).toEqual([1, 'two']);
    expect(ok(await sandbox.run(runOf('return args;', { args: { a: { b: 1 } } })))).toEqual({ a: { b: 1 } });
    expect(ok(await sandbox.run(runOf('return args;', { args: 0 })))).toBe(0);
  });

  test('the returned value is copied out as JSON; returning nothing is a script_error, not a silent null', async () => {
    expect(ok(await sandbox.run(runOf('return { when: new Date(0), skip: undefined, list: [undefined] };')))).toEqual({
      when: '1970-01-01T00:00:00.000Z',
      list: [null],
    });
    expect(ok(await sandbox.run(runOf("log('explicit'); return null;")))).toBeNull();
    for (const source of ["log('no return');", 'return undefined;', 'return;']) {
      const err = failure(await sandbox.run(runOf(source)));
      expect(err.code).toBe('script_error');
      expect(err.message).toContain('returned undefined');
    }
  });

  test.each([
    ['return Symbol("s");', 'cannot represent: a Symbol'],
    ['return () => 1;', 'cannot represent: a function'],
    ['return 10n;', 'cannot represent: a BigInt'],
    ['return { n: 1, f() { return 1; } };', 'cannot represent: a function at key "f"'],
    ['return [1, Symbol.iterator];', 'cannot represent: a Symbol at key "1"'],
  ])('%s fails with script_error instead of converging with nothing', async (script, message) => {
    const f = failure(await sandbox.run(runOf(script)));
    expect(f.code).toBe('script_error');
    expect(f.message).toContain(message);
  });

  test('a result over maxResultBytes fails with result_too_large, counted in UTF-8 bytes', async () => {
    expect(failure(await sandbox.run(runOf("return 'x'.repeat(200);", { limits: { maxResultBytes: 100 } })))).toEqual(
      new ResultTooLargeError(202, 100).toJSON(),
    );
    // 62 UTF-16 units but 122 bytes: only the byte count catches it.
    expect(failure(await sandbox.run(runOf("return 'é'.repeat(60);", { limits: { maxResultBytes: 100 } })))).toEqual(
      new ResultTooLargeError(122, 100).toJSON(),
    );
    expect(ok(await sandbox.run(runOf("return 'x'.repeat(98);", { limits: { maxResultBytes: 100 } })))).toHaveLength(98);
  });

  test('an uncaught error is a script_error naming the line', async () => {
    const error = failure(await sandbox.run(runOf('const a = {};\n\nconst b = a.missing.field;\nreturn b;')));
    expect(error.code).toBe('script_error');
    expect(error.message).toMatch(/^TypeError: Cannot read properties of undefined \(reading 'field'\) \(at line 3:/);
    expect(failure(await sandbox.run(runOf("throw 'plain string';"))).message).toBe('thrown value plain string');
  });

  test('a script that waits on a promise nothing can settle fails instead of hanging', async () => {
    const error = failure(await sandbox.run(runOf("await agent('x');\nawait new Promise(() => {});")));
    expect(error.code).toBe('script_error');
    expect(error.message).toMatch(/waiting for a promise that can never settle/);
  });

  test('a long chain of slow agents is not mistaken for a stalled script', async () => {
    const host = new FakeHost({ latency: (seq) => (seq % 3) * 7, answer: (seq) => seq });
    const result = ok(
      await sandbox.run(
        runOf(
          `
      let total = 0;
      for (let i = 0; i < 30; i++) {
        total += await agent('step ' + i);
        let spin = 0; for (let j = 0; j < 20000; j++) spin += j;
      }
      return total;
    `,
          { host },
        ),
      ),
    );
    expect(result).toBe((30 * 31) / 2);
  });

  test('a check error or bad limits resolve as an outcome, never a throw', async () => {
    expect(failure(await sandbox.run(runOf("import x from 'y';"))).code).toBe('script_invalid');
    expect(failure(await sandbox.run(runOf('return 1;', { limits: { memoryMb: 1 } })))).toEqual({
      code: 'invalid_request',
      message: 'Expected `limits.memoryMb` to be a number of MB, at least 8, got 1',
    });
    expect(failure(await sandbox.run(runOf('return 1;', { args: { n: 1n } }))).code).toBe('invalid_request');
  });

  test('many runs at once each get their own isolate', async () => {
    const runs = Array.from({ length: 12 }, (_, i) =>
      sandbox.run(
        runOf(
          `
      globalThis.shared = (globalThis.shared || 0) + 1;
      const r = await parallel([1, 2, 3].map((k) => () => agent(args.id + ':' + k)));
      return [globalThis.shared, r.length, args.id];
    `,
          { args: { id: i }, host: new FakeHost({ latency: () => 3 }) },
        ),
      ),
    );
    const results = (await Promise.all(runs)).map(ok);
    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => [1, 3, i]));
  });
});

describe('prelude modules', () => {
  const module = `
    Object.defineProperty(globalThis, 'verify', { value: async function verify(items, opts) {
      __emit('verify.round', { helper: 'verify', round: 1, survivors: items.length });
      const votes = await parallel(items.map((it) => () => agent('check ' + it, { label: 'skeptic' })));
      return items.filter((_, i) => votes[i] !== null);
    }, writable: true, configurable: true });
  `;

  test('run after the core prelude, can use the API and emit events through the host', async () => {
    const host = new FakeHost({ answer: (_seq, prompt) => (prompt === 'check b' ? null : 'yes') });
    const sb = new IsolatedVmSandbox({ preludeModules: [module] });
    const result = ok(await sb.run(runOf("return await verify(['a', 'b', 'c']);", { host })));
    expect(result).toEqual(['a', 'c']);
    expect(host.emitted).toEqual([{ type: 'verify.round', payload: { helper: 'verify', round: 1, survivors: 3 } }]);
  });

  test('__emit is hidden from the script and helper globals are read-only', async () => {
    const sb = new IsolatedVmSandbox({ preludeModules: [module] });
    expect(ok(await sb.run(runOf('return [typeof __emit, typeof $0, typeof verify];')))).toEqual(['undefined', 'undefined', 'function']);
    expect(failure(await sb.run(runOf('verify = null;'))).message).toMatch(/^TypeError: Cannot assign to read only property 'verify'/);
    expect(failure(await sb.run(runOf('agent = null;'))).message).toMatch(/^TypeError: Cannot assign to read only property 'agent'/);
  });

  test('options are validated with the option named', () => {
    expect(() => new IsolatedVmSandbox({ preludeModules: [1 as unknown as string] })).toThrow(/`preludeModules`/);
    expect(() => new IsolatedVmSandbox({ cpuPollMs: 0 })).toThrow(/`cpuPollMs` to be an integer 1\.\.1000/);
    expect(() => new IsolatedVmSandbox({ extraGlobals: ['a b'] })).toThrow(/`extraGlobals`/);
  });
});

describe('dispose', () => {
  test('ends the runs still going as cancelled and refuses new ones', async () => {
    const sb = new IsolatedVmSandbox();
    const pending = sb.run(runOf("await agent('slow');", { host: new FakeHost({ latency: () => 300 }) }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    sb.dispose();
    expect(failure(await pending)).toEqual({ code: 'cancelled', message: 'The script sandbox was disposed' });
    expect(failure(await sb.run(runOf('return 1;'))).code).toBe('invalid_state');
  });
});
