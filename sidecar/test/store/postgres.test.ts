import pg from 'pg';
import { migratePostgres, POSTGRES_SCHEMA_VERSION } from '../../src/store/postgres/migrations';
import { PostgresStore } from '../../src/store/postgres/store';
import { checkDatabaseUrl, maskDatabaseUrl } from '../../src/core/database-url';
import { createTestDatabase, postgresStatus } from '../support/postgres';

describe('DW_DATABASE_URL', () => {
  it('a URL that is not postgres:// is invalid_config, and the message never shows the password', () => {
    expect(() => checkDatabaseUrl('mysql://u:hunter2@db/x')).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => checkDatabaseUrl('mysql://u:hunter2@db/x')).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining('hunter2') }),
    );
    expect(() => checkDatabaseUrl('not a url hunter2')).toThrow(/not a URL/);
    expect(() => checkDatabaseUrl('postgres://u:hunter2@db')).toThrow(/names no database/);
    expect(checkDatabaseUrl('postgresql://u:p@db:5433/dw')).toBe('postgresql://u:p@db:5433/dw');
    expect(maskDatabaseUrl('postgres://u:hunter2@db/dw')).toBe('postgres://u:***@db/dw');
  });

  it('an unreachable database is store_unavailable, named without its password', async () => {
    // Port 9 (discard) on loopback: nothing listens there.
    const err = (await PostgresStore.open({ url: 'postgres://u:hunter2@127.0.0.1:9/dw', connectTimeoutMs: 2000 }).catch(
      (e: unknown) => e,
    )) as Error & {
      code: string;
    };
    expect(err.code).toBe('store_unavailable');
    expect(err.message).toContain('postgres://u:***@127.0.0.1:9/dw');
    expect(err.message).not.toContain('hunter2');
  });
});

const pgStatus = postgresStatus();
if (!pgStatus.available) console.warn(`Postgres migrations: skipped (${pgStatus.reason})`);
(pgStatus.available ? describe : describe.skip)('Postgres migrations', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('several sidecars starting at once migrate the database exactly once', async () => {
    const stores = await Promise.all([1, 2, 3, 4].map(() => PostgresStore.open({ url: db.url, poolSize: 1 })));
    await Promise.all(stores.map((s) => s.close()));
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const rows = (await c.query<{ version: number }>('SELECT version FROM dw_schema_migrations ORDER BY version')).rows;
      expect(rows.map((r) => r.version)).toEqual(Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
    } finally {
      await c.end();
    }
  });

  it('a database migrated by a newer build is refused with store_schema; a failed step is undone', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query("INSERT INTO dw_schema_migrations (version, name) VALUES (999, 'from the future')");
      await expect(PostgresStore.open({ url: db.url })).rejects.toMatchObject({ code: 'store_schema' });
      await c.query('DELETE FROM dw_schema_migrations WHERE version = 999');
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      const client = await pool.connect();
      const steps = [{ version: POSTGRES_SCHEMA_VERSION + 1, name: 'bad', sql: 'CREATE TABLE extra (x int); SELECT * FROM no_such_table' }];
      await expect(migratePostgres(client, steps)).rejects.toThrow(/no_such_table/);
      client.release();
      await pool.end();
      expect((await c.query("SELECT to_regclass('extra') AS t")).rows[0].t).toBeNull();
    } finally {
      await c.end();
    }
  });
});
