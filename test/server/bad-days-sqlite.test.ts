/**
 * Bad days of the SQLite file itself (SQLite only: PostgreSQL has no file to lock): a second
 * server on the same file. The real server against the simulator over HTTP, on a real SQLite
 * file. The other bad days, on both engines, are in bad-days.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstanceLockError } from '../../server/instance-lock.js';
import { startServer } from '../../server/server.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(() => stack.close());

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
