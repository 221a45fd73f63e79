import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** Where the tests find Redis (DW_TEST_REDIS_URL). @default redis://127.0.0.1:6379 */
export const TEST_REDIS_URL = process.env.DW_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/**
 * Whether Redis answers PING, checked once per test file before Jest collects its tests (a
 * describe block cannot wait for a promise, so a short child process asks).
 */
function probe(url: string): string | null {
  const code = `
    const net = require('node:net');
    const u = new URL(process.argv[1]);
    const s = net.connect(Number(u.port || 6379), u.hostname);
    const t = setTimeout(() => { console.log('no answer within 2 s'); process.exit(1); }, 2000);
    s.on('error', (e) => { console.log(e.message); process.exit(1); });
    s.on('connect', () => s.write('PING\\r\\n'));
    s.on('data', (d) => { clearTimeout(t); const ok = /PONG|NOAUTH/.test(String(d)); if (!ok) console.log(String(d).trim()); process.exit(ok ? 0 : 1); });`;
  const r = spawnSync(process.execPath, ['-e', code, url], { encoding: 'utf8', timeout: 5_000 });
  if (r.status === 0) return null;
  return (r.stdout || r.stderr || `exit ${r.status ?? r.signal}`).trim() || 'no answer';
}

const unavailable = probe(TEST_REDIS_URL);
const where = new URL(TEST_REDIS_URL).host;

/** True when Redis answers; otherwise the suites using describeWithRedis are skipped with a visible line, or fail under CI=true. */
export const redisAvailable = unavailable === null;

/**
 * describe() when Redis answers. Without it the suite is skipped and says so on stderr; under
 * CI=true a missing Redis fails the suite instead (CI always provides one).
 */
export function describeWithRedis(name: string, fn: () => void): void {
  if (redisAvailable) return describe(name, fn);
  const why = `Redis at ${where} (DW_TEST_REDIS_URL) did not answer: ${unavailable}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Redis (CI=true: a missing Redis is a failure, not a skip)', () => {
        throw new Error(why);
      });
    });
    return;
  }
  process.stderr.write(`\n[skipped] "${name}": ${why}. Start Redis 7 there to run it.\n`);
  describe.skip(name, fn);
}

/** A key prefix of its own for one test file (`dw-test:<pid>:<random>:`) and a way to delete its keys. */
export class RedisTestSpace {
  readonly prefix = `dw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  private readonly clients: Redis[] = [];

  /** A new connection (closed by cleanup()). */
  async client(): Promise<Redis> {
    const c = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    c.on('error', () => undefined);
    await c.connect();
    this.clients.push(c);
    return c;
  }

  /** Keys under the prefix now. */
  async keys(): Promise<string[]> {
    const c = await this.client();
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await c.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
      cursor = next;
      out.push(...batch);
    } while (cursor !== '0');
    return out;
  }

  /** Deletes every key under the prefix and closes the connections. */
  async cleanup(): Promise<void> {
    const keys = await this.keys();
    const c = this.clients[this.clients.length - 1]!;
    if (keys.length) await c.del(...keys);
    for (const client of this.clients) client.disconnect();
    this.clients.length = 0;
  }
}

/**
 * A TCP proxy in front of the test Redis that a test can cut and restore: Redis "lost" mid-run
 * without stopping the Redis other suites use.
 */
export class RedisProxy {
  private readonly sockets = new Set<net.Socket>();
  private open = true;
  private constructor(private readonly server: net.Server) {}

  static async start(): Promise<RedisProxy> {
    const target = new URL(TEST_REDIS_URL);
    let proxy: RedisProxy | null = null;
    const server = net.createServer((client) => {
      if (!proxy?.open) return client.destroy();
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => proxy?.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    proxy = new RedisProxy(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** Drops every connection and refuses new ones. */
  cut(): void {
    this.open = false;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
