import { IsolatedVmSandbox } from '../../src/sandbox';
import { FakeHost, runOf } from './fake-host';

test('smoke', async () => {
  const sb = new IsolatedVmSandbox();
  for (const src of ['async function f(){ await 0; return f() } return await f();', 'const a=[]; for(;;) a.push({x: a.length, s: "v" + a.length});', 'const a=[]; for(;;) a.push(new Array(1000));', 'const m = new Map(); for (let i=0;;i++) m.set(i,i)']) {
    for (const mem of [32, 128]) {
    const t = performance.now(); process.stderr.write('start ' + mem + ' ' + src + '\n');
    const o = await sb.run(runOf(src, { limits: { cpuMs: 1000, memoryMb: mem } }));
    process.stderr.write([mem, src, '=>', JSON.stringify(o), (performance.now() - t).toFixed(0), 'rss', (process.memoryUsage().rss / 1e6).toFixed(0)].join(' ') + '\n');
    }
  }
  for (const n of [1000, 1000]) {
    const host = new FakeHost({ answer: () => ({ ok: 1 }) });
    const c0 = process.cpuUsage();
    const o = await sb.run(runOf(`const r = await parallel(Array.from({length: ${n}}, (_, i) => () => agent('p' + i, { label: 'l' + i, schema: { type: 'object' } }))); return r.length`, { host }));
    const c = process.cpuUsage(c0);
    process.stderr.write([JSON.stringify(o), 'cpu per call µs', ((c.user + c.system) / n).toFixed(1)].join(' ') + '\n');
  }
}, 60000);
