import { PassThrough } from 'node:stream';
import { loadConfig, refuseDatabaseUrl } from '../../src/config/config';
import { pruneCommand } from '../../src/cli/prune';
import { PostgresStore } from '../../src/store/postgres/store';
import { runRecord } from '../support/records';
import { createTestDatabase, postgresStatus } from '../support/postgres';

const base = { DW_DEV: '1', DW_HOST: '127.0.0.1' };

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}

describe('DW_DATABASE_URL in the configuration', () => {
  it('is checked at start: a bad one is invalid_config, unset means SQLite', () => {
    expect(loadConfig(base).databaseUrl).toBeNull();
    expect(() => loadConfig({ ...base, DW_DATABASE_URL: 'redis://x:secret@h/0' })).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
    expect(loadConfig({ ...base, DW_DATABASE_URL: 'postgres://u:p@h/dw' }).databaseUrl).toBe('postgres://u:p@h/dw');
  });

  it('run refuses it (one run in this process, on SQLite), naming it without its password', () => {
    const config = loadConfig({ ...base, DW_DATABASE_URL: 'postgres://u:secret@h/dw' });
    let err: Error | null = null;
    try {
      refuseDatabaseUrl(config, 'run');
    } catch (e) {
      err = e as Error;
    }
    expect(err).toMatchObject({ code: 'invalid_config', message: expect.stringContaining('postgres://u:***@h/dw') });
    expect(err?.message).not.toContain('secret');
    expect(() => refuseDatabaseUrl(loadConfig(base), 'run')).not.toThrow();
  });

  it('prune against an unreachable database exits 1 with store_unavailable', async () => {
    const out = capture();
    const err = capture();
    const code = await pruneCommand(
      { days: '1' },
      { ...base, DW_DATABASE_URL: 'postgres://u:secret@127.0.0.1:9/dw' },
      out.stream,
      err.stream,
    );
    expect(code).toBe(1);
    expect(err.text()).toMatch(/^store_unavailable: /);
    expect(err.text()).not.toContain('secret');
  });
});

const status = postgresStatus();
if (!status.available) console.warn(`prune on Postgres: skipped (${status.reason})`);
(status.available ? describe : describe.skip)('dynamic-workflows prune with DW_DATABASE_URL', () => {
  it('prunes old finished runs from Postgres and keeps the rest', async () => {
    const db = await createTestDatabase();
    try {
      const store = await PostgresStore.open({ url: db.url });
      const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
      await store.insertRun(runRecord('old', { status: 'converged', updatedAt: daysAgo(10) }), { task: 't' }, null);
      await store.insertRun(runRecord('busy', { status: 'running', updatedAt: daysAgo(10) }), { task: 't' }, null);
      await store.insertRun(runRecord('new', { status: 'failed', updatedAt: daysAgo(1) }), { task: 't' }, null);
      const out = capture();
      const code = await pruneCommand({ days: '5' }, { ...base, DW_DATABASE_URL: db.url }, out.stream, capture().stream);
      expect(code).toBe(0);
      expect(JSON.parse(out.text())).toMatchObject({ days: 5, deleted: { runs: 1 } });
      expect((await store.runs.list({ limit: 10 })).runs.map((r) => r.id).sort()).toEqual(['busy', 'new']);
      await store.close();
    } finally {
      await db.drop();
    }
  });
});
