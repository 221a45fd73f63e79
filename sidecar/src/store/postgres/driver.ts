import type * as Pg from 'pg';

/** The `pg` driver, loaded when a Postgres store opens: a sidecar on SQLite (no DW_DATABASE_URL) never loads it. */
export function pgDriver(): typeof Pg {
  return module.require('pg') as typeof Pg;
}
