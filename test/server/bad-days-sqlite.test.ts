/**
 * Bad days of the SQLite file itself (SQLite only: PostgreSQL has neither a file to lock nor a
 * connection pragma to refuse writes): a database that cannot write, and a second server on the
 * same file. The real server against the simulator over HTTP, on a real SQLite file. The other
 * bad days, on both engines, are in bad-days.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorizations } from '../../server/db/schema.js';
import { InstanceLockError } from '../../server/instance-lock.js';
import { startServer } from '../../server/server.js';
import { startStack, waitFor, type Stack } from '../support/stack.js';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(() => stack.close());

const MIN = 60_000;

type TenantJson = { tenantId: string; lastSyncAt: string | null; lastSyncError: string | null; nextSyncAt: string | null };

const tenantsOf = async (key: string) => ((await (await stack.api(key, '/api/tenants')).json()) as { tenants: TenantJson[] }).tenants;
const tenantOf = async (key: string, tenantId: string) => (await tenantsOf(key)).find((t) => t.tenantId === tenantId)!;

async function authorizedAndSynced(key: string, tenant: number) {
  const { authorizationId } = await stack.authorize(key, tenant);
  const tid = stack.simulator.tenants[tenant]!.tenantId;
  await waitFor(async () => (await tenantOf(key, tid))?.lastSyncAt, `the first sync of tenant ${tenant}`);
  return { authorizationId, tid };
}

describe('a database that cannot write', () => {
  it('keeps every read working and answers writes 503 with the JSON error shape, storing nothing', async () => {
    const viewer = stack.key('org', 'viewer');
    const admin = stack.key('org', 'admin');
    const { tid } = await authorizedAndSynced(admin, 0);
    // Both keys are used now; two minutes later their next use wants a lastUsedAt write.
    expect((await stack.api(viewer, '/api/tenants')).status).toBe(200);
    stack.advance(2 * MIN);
    const rowsBefore = stack.server.database.db.select().from(authorizations).all().length;
    // SQLite refuses every write on this connection from now on (SQLITE_READONLY), as on a
    // read-only mount.
    stack.server.database.sqlite.pragma('query_only = ON');
    try {
      for (const path of ['/api/tenants', `/api/tenants/${tid}/health`, `/api/tenants/${tid}/issues`]) {
        expect((await stack.api(viewer, path)).status, path).toBe(200);
      }
      expect((await stack.api(admin, '/api/authorizations')).status).toBe(200);
      const write = await stack.api(admin, '/api/authorizations', { method: 'POST', json: { label: 'fabrikam.com' } });
      expect(write.status).toBe(503);
      const body = (await write.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('service_unavailable');
      expect(body.error.message).toMatch(/cannot write/);
      expect(JSON.stringify(body)).not.toMatch(/SQLITE|at .*\.ts/);
    } finally {
      stack.server.database.sqlite.pragma('query_only = OFF');
    }
    expect(stack.server.database.db.select().from(authorizations).all()).toHaveLength(rowsBefore);
  });
});

describe('one server per SQLite file', () => {
  it('refuses a second server on the same database and names the way to several instances', async () => {
    const second = startServer({ config: stack.server.config, log: () => {}, polling: false });
    await expect(second).rejects.toBeInstanceOf(InstanceLockError);
    await expect(second).rejects.toThrow(/already using the database[\s\S]*PostgreSQL database \(DATABASE_URL\)[\s\S]*Running several instances/);
    // The first server is untouched, and once it stops the file is free again.
    const key = stack.key('org');
    expect((await stack.api(key, '/api/tenants')).status).toBe(200);
    await stack.restart();
    expect((await stack.api(key, '/api/tenants')).status).toBe(200);
  });
});
