/**
 * The PostgreSQL store's foundation, on a real PostgreSQL 15 started for this file
 * (test/support/postgres.ts): migrations at start-up under the advisory lock, a schema that keeps
 * step with SQLite's, and the lease claim with `FOR UPDATE SKIP LOCKED` over concurrent connections.
 */
import { getTableName, is, SQL } from 'drizzle-orm';
import { getTableConfig as getPgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as getSqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as sqliteSchema from '../../server/db/schema.js';
import * as pgSchema from '../../server/db/schema.pg.js';
import { openPostgres, PG_MIGRATIONS_FOLDER, PG_MIGRATIONS_TABLE, type OpenPostgres } from '../../server/db/postgres.js';
import { claimDueTenantsIn as claimDueTenants } from '../../server/store/pg/leases.js';
import { usePostgres } from '../support/postgres.js';

const server = usePostgres();

const journal = JSON.parse(readFileSync(join(PG_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };

async function withOpen<T>(url: string, fn: (open: OpenPostgres) => Promise<T>): Promise<T> {
  const open = await openPostgres(url);
  try {
    return await fn(open);
  } finally {
    await open.close();
  }
}

/** Table name → sorted column names, as the database has them. */
async function databaseColumns(open: OpenPostgres): Promise<Record<string, string[]>> {
  const { rows } = await open.pool.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns where table_schema = 'public' order by table_name, column_name`,
  );
  const out: Record<string, string[]> = {};
  for (const row of rows) (out[row.table_name] ??= []).push(row.column_name);
  return out;
}

async function appliedMigrations(open: OpenPostgres): Promise<number> {
  const { rows } = await open.pool.query<{ n: string }>(`select count(*) as n from "${PG_MIGRATIONS_TABLE.schema}"."${PG_MIGRATIONS_TABLE.table}"`);
  return Number(rows[0]!.n);
}

/** What the comparison looks at in one column: everything that shapes its rows and its DDL. */
interface ColumnShape {
  dataType: string;
  notNull: boolean;
  primary: boolean;
  unique: boolean;
  generated: boolean;
  default: string;
  enumValues: string;
}

/** What the comparison looks at in one table, in a dialect-neutral form. */
interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKeys: string[];
  indexes: string[];
  foreignKeys: string[];
}

type AnyColumn = {
  name: string;
  dataType: string;
  notNull: boolean;
  primary: boolean;
  isUnique: boolean;
  hasDefault: boolean;
  default: unknown;
  enumValues?: readonly string[];
  autoIncrement?: boolean;
  generatedIdentity?: unknown;
};

type AnyIndex = { config: { name: string; unique: boolean; columns: Array<{ name?: string }> } };

type AnyForeignKey = {
  reference: () => { columns: Array<{ name: string }>; foreignColumns: Array<{ name: string }>; foreignTable: unknown };
  onDelete?: string;
};

function columnShape(column: AnyColumn): ColumnShape {
  const generated = Boolean(column.autoIncrement || column.generatedIdentity);
  return {
    dataType: column.dataType,
    notNull: column.notNull,
    primary: column.primary,
    unique: column.isUnique,
    generated,
    // A SQL default is an engine's own expression (the insert time on both): compared by presence.
    default: generated || !column.hasDefault ? 'none' : is(column.default, SQL) ? 'sql' : JSON.stringify(column.default),
    enumValues: JSON.stringify(column.enumValues ?? []),
  };
}

function shapes(kind: 'sqlite' | 'pg'): Record<string, TableShape> {
  const out: Record<string, TableShape> = {};
  const module = kind === 'sqlite' ? sqliteSchema : pgSchema;
  for (const value of Object.values(module)) {
    if (kind === 'sqlite' ? !is(value, SQLiteTable) : !is(value, PgTable)) continue;
    const config = kind === 'sqlite' ? getSqliteTableConfig(value as SQLiteTable) : getPgTableConfig(value as PgTable);
    const skip = kind === 'pg' ? (pgSchema.PG_ONLY_COLUMNS[config.name] ?? []) : [];
    const columns: Record<string, ColumnShape> = {};
    for (const column of config.columns as unknown as AnyColumn[]) if (!skip.includes(column.name)) columns[column.name] = columnShape(column);
    out[config.name] = {
      columns,
      primaryKeys: config.primaryKeys.map((pk) => pk.columns.map((c) => c.name).join(',')).sort(),
      indexes: (config.indexes as unknown as AnyIndex[])
        .map((index) => `${index.config.name} ${index.config.unique ? 'unique ' : ''}(${index.config.columns.map((c) => c.name).join(',')})`)
        .sort(),
      foreignKeys: (config.foreignKeys as unknown as AnyForeignKey[])
        .map((fk) => {
          const ref = fk.reference();
          return `(${ref.columns.map((c) => c.name).join(',')}) → ${getTableName(ref.foreignTable as never)}(${ref.foreignColumns.map((c) => c.name).join(',')}) on delete ${fk.onDelete ?? 'no action'}`;
        })
        .sort(),
    };
  }
  return out;
}

describe('PostgreSQL store', () => {
  it('migrates an empty database at open: every table and column of schema.pg.ts, and the migrations recorded', async () => {
    const url = await server().createDatabase();
    await withOpen(url, async (open) => {
      const expected: Record<string, string[]> = {};
      for (const value of Object.values(pgSchema)) {
        if (!is(value, PgTable)) continue;
        const config = getPgTableConfig(value);
        expected[config.name] = config.columns.map((c) => c.name).sort();
      }
      expect(await databaseColumns(open)).toEqual(expected);
      expect(await appliedMigrations(open)).toBe(journal.entries.length);
    });
  });

  it('rows read back with the types the SQLite store has: Date timestamps, booleans, numbers, ISO text', async () => {
    await withOpen(server().url, async ({ db }) => {
      const nextPollAt = new Date('2026-12-01T10:20:30.456Z');
      await db.insert(pgSchema.tenants).values({ tenantId: 'contoso', nextPollAt });
      await db.insert(pgSchema.issues).values({
        tenantId: 'contoso',
        id: 'EX1',
        title: 'Mail delayed',
        service: 'Exchange Online',
        classification: 'incident',
        status: 'serviceDegradation',
        isResolved: false,
        lastModifiedDateTime: '2026-12-01T10:00:00.000Z',
      });
      await db.insert(pgSchema.events).values({ id: 'e1', tenantId: 'contoso', type: 'issue.created', occurredAt: nextPollAt, payload: '{"id":"e1"}' });
      const [tenant] = await db.select().from(pgSchema.tenants);
      expect(tenant!.nextPollAt).toBeInstanceOf(Date);
      expect(tenant!.nextPollAt.toISOString()).toBe(nextPollAt.toISOString());
      expect(tenant!.createdAt).toBeInstanceOf(Date);
      expect(tenant!.consecutiveFailures).toBe(0);
      const [issue] = await db.select().from(pgSchema.issues);
      expect(issue).toMatchObject({ isResolved: false, listedByMicrosoft: true, interruptionSeen: false, lastModifiedDateTime: '2026-12-01T10:00:00.000Z' });
      const [event] = await db.select().from(pgSchema.events);
      expect(event!.seq).toBe(1);
      expect(event!.payload).toBe('{"id":"e1"}');
    });
  });

  it('two instances opening an empty database at the same time both start, and the migrations run once', async () => {
    const url = await server().createDatabase();
    const [a, b] = await Promise.all([openPostgres(url), openPostgres(url)]);
    try {
      expect(await appliedMigrations(a)).toBe(journal.entries.length);
      expect(Object.keys(await databaseColumns(b)).sort()).toEqual(Object.keys(shapes('pg')).sort());
      // Both can work on the database they opened.
      await a.db.insert(pgSchema.orgs).values({ id: 'o1', name: 'Contoso' });
      expect(await b.db.select({ id: pgSchema.orgs.id }).from(pgSchema.orgs)).toEqual([{ id: 'o1' }]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    // A later start finds nothing to do.
    await withOpen(url, async (c) => expect(await appliedMigrations(c)).toBe(journal.entries.length));
  });

  it('has every table, column, key, index and default of the SQLite schema, with the same types', () => {
    const sqlite = shapes('sqlite');
    const postgres = shapes('pg');
    expect(Object.keys(postgres).sort()).toEqual(Object.keys(sqlite).sort());
    for (const [name, table] of Object.entries(sqlite)) {
      expect({ table: name, ...postgres[name] }).toEqual({ table: name, ...table });
    }
    // The columns only PostgreSQL has yet are real columns of its tables.
    for (const [table, columns] of Object.entries(pgSchema.PG_ONLY_COLUMNS)) {
      const config = Object.values(pgSchema).find((value) => is(value, PgTable) && getPgTableConfig(value).name === table) as PgTable;
      expect(getPgTableConfig(config).columns.map((c) => c.name)).toEqual(expect.arrayContaining([...columns]));
    }
    // Checked by tsc (npm run typecheck): the rows the core handles have the same types on both stores.
    expectTypeOf<typeof pgSchema.tenants.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.tenants.$inferSelect>();
    expectTypeOf<typeof pgSchema.orgs.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.orgs.$inferSelect>();
    expectTypeOf<typeof pgSchema.apiKeys.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.apiKeys.$inferSelect>();
    expectTypeOf<typeof pgSchema.authorizations.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.authorizations.$inferSelect>();
    expectTypeOf<typeof pgSchema.oauthRequests.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.oauthRequests.$inferSelect>();
    expectTypeOf<typeof pgSchema.services.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.services.$inferSelect>();
    expectTypeOf<typeof pgSchema.serviceStatusHistory.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.serviceStatusHistory.$inferSelect>();
    expectTypeOf<Omit<typeof pgSchema.issues.$inferSelect, 'foldedSearch'>>().toEqualTypeOf<typeof sqliteSchema.issues.$inferSelect>();
    expectTypeOf<typeof pgSchema.issuePosts.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.issuePosts.$inferSelect>();
    expectTypeOf<Omit<typeof pgSchema.messages.$inferSelect, 'foldedSearch' | 'foldedCategory' | 'foldedServices' | 'foldedTags'>>().toEqualTypeOf<typeof sqliteSchema.messages.$inferSelect>();
    expectTypeOf<typeof pgSchema.events.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.events.$inferSelect>();
    expectTypeOf<typeof pgSchema.channels.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.channels.$inferSelect>();
    expectTypeOf<typeof pgSchema.deliveries.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.deliveries.$inferSelect>();
    expectTypeOf<typeof pgSchema.events.$inferInsert>().toEqualTypeOf<typeof sqliteSchema.events.$inferInsert>();
    expectTypeOf<Omit<typeof pgSchema.issues.$inferInsert, 'foldedSearch'>>().toEqualTypeOf<typeof sqliteSchema.issues.$inferInsert>();
  });

  describe('lease claim (FOR UPDATE SKIP LOCKED)', () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    const leaseMs = 60_000;

    async function seedTenants(open: OpenPostgres, count: number) {
      await open.db.insert(pgSchema.tenants).values(
        Array.from({ length: count }, (_, i) => ({
          tenantId: `t${String(i).padStart(3, '0')}`,
          nextPollAt: new Date(now.getTime() - (count - i) * 1000),
        })),
      );
      // Not due, throttled by Graph, or held by a live lease of another instance: never claimed.
      await open.db.insert(pgSchema.tenants).values([
        { tenantId: 'later', nextPollAt: new Date(now.getTime() + 10 * leaseMs) },
        { tenantId: 'throttled', nextPollAt: now, throttledUntil: new Date(now.getTime() + 30_000) },
        { tenantId: 'leased', nextPollAt: now, leaseOwner: 'other', leaseUntil: new Date(now.getTime() + 30_000) },
        // Due, but no active authorization can read it.
        { tenantId: 'unreadable', nextPollAt: now },
      ]);
      await open.db.insert(pgSchema.orgs).values({ id: 'org', name: 'org' });
      const rows = await open.db.select({ tenantId: pgSchema.tenants.tenantId }).from(pgSchema.tenants);
      await open.db.insert(pgSchema.authorizations).values(
        rows.map((row) => ({
          id: `auth-${row.tenantId}`,
          orgId: 'org',
          tenantId: row.tenantId,
          label: row.tenantId,
          status: row.tenantId === 'unreadable' ? ('reauth_required' as const) : ('active' as const),
          createdBy: 'test',
          updatedAt: now,
        })),
      );
    }

    it('a claim while another transaction holds its claimed rows gets other rows, not the same ones and without waiting', async () => {
      const url = await server().createDatabase();
      await withOpen(url, async (open) => {
        await seedTenants(open, 10);
        let second: string[] = [];
        const first = await open.db.transaction(async (tx) => {
          const mine = await claimDueTenants(tx, { owner: 'a', now, leaseMs, limit: 4 });
          // Another connection claims while this transaction is still open and holds its rows.
          second = await open.db.transaction((other) => claimDueTenants(other, { owner: 'b', now, leaseMs, limit: 4 }));
          return mine;
        });
        expect(first).toHaveLength(4);
        expect(second).toHaveLength(4);
        expect(first.filter((id) => second.includes(id))).toEqual([]);
        // What is left is the two remaining due tenants; then nothing, while the leases last.
        const third = await claimDueTenants(open.db, { owner: 'c', now, leaseMs, limit: 10 });
        expect(third.sort()).toEqual(['t000', 't001', 't002', 't003', 't004', 't005', 't006', 't007', 't008', 't009'].filter((id) => !first.includes(id) && !second.includes(id)));
        expect(await claimDueTenants(open.db, { owner: 'c', now, leaseMs, limit: 10 })).toEqual([]);
        const rows = await open.db.select({ tenantId: pgSchema.tenants.tenantId, leaseOwner: pgSchema.tenants.leaseOwner }).from(pgSchema.tenants);
        const owners = Object.fromEntries(rows.map((row) => [row.tenantId, row.leaseOwner]));
        for (const id of first) expect(owners[id]).toBe('a');
        for (const id of second) expect(owners[id]).toBe('b');
        // A lease that lapsed (its instance died) is claimed again by another instance.
        const afterLease = new Date(now.getTime() + leaseMs);
        const takeover = await claimDueTenants(open.db, { owner: 'd', now: afterLease, leaseMs, limit: 100 });
        expect(takeover.sort()).toEqual([...first, ...second, ...third, 'leased', 'throttled'].sort());
      });
    });

    it('claimers on separate connections at the same time never get the same tenant, and together get every due one', async () => {
      const url = await server().createDatabase();
      const open = await openPostgres(url, { max: 8 });
      try {
        await seedTenants(open, 60);
        const claimer = async (owner: string) => {
          const got: string[] = [];
          for (;;) {
            const batch = await open.db.transaction((tx) => claimDueTenants(tx, { owner, now, leaseMs, limit: 3 }));
            if (batch.length === 0) return got;
            got.push(...batch);
          }
        };
        const results = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map(claimer));
        const all = results.flat();
        expect(new Set(all).size).toBe(all.length);
        expect(all.sort()).toEqual(Array.from({ length: 60 }, (_, i) => `t${String(i).padStart(3, '0')}`));
        const { rows } = await open.pool.query<{ n: string }>(`select count(distinct pid) as n from pg_stat_activity where datname = current_database()`);
        expect(Number(rows[0]!.n)).toBeGreaterThan(1);
      } finally {
        await open.close();
      }
    });
  });
});
