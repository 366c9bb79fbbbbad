/**
 * The keys CLI and API key authentication on PostgreSQL (`DATABASE_URL`), on a real PostgreSQL 15
 * started for this file (test/support/postgres.ts): `npm run keys` as a child process, the same
 * CLI in process, and the keys core over the PostgreSQL store as the server's middleware uses it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { createKeysCore } from '../../server/core/keys.js';
import { sha256 } from '../../server/crypto.js';
import { openPostgres } from '../../server/db/postgres.js';
import { runKeysCli } from '../../server/keys.js';
import { createPostgresStore } from '../../server/store/pg/index.js';
import { usePostgres } from '../support/postgres.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const pg = usePostgres();

/** `npx tsx server/keys.ts …` as a child process with DATABASE_URL set. */
function keysCli(url: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'server/keys.ts', ...args], {
      cwd: REPO,
      env: { ...process.env, DATABASE_URL: url, DATABASE_PATH: '/nonexistent/never-opened.db', MICROSOFT_CLIENT_ID: '', MICROSOFT_CLIENT_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The same CLI in process. */
async function keysInProcess(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeysCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('npm run keys with DATABASE_URL', () => {
  it('creates, lists and revokes keys in PostgreSQL, storing only the hash; the keys core authenticates them', async () => {
    const url = pg().url;
    const created = await keysCli(url, 'create', '--org', 'acme', '--role', 'admin', '--user', 'ann@acme.example');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const key = lines(created.stdout).at(-1)!;
    expect(key).toMatch(/^o365_[A-Za-z0-9_-]{43}$/);

    const database = await openPostgres(url, { max: 2 });
    try {
      const { rows } = await database.pool.query<{ key_hash: string; prefix: string }>('select key_hash, prefix from api_keys');
      expect(rows).toEqual([{ key_hash: sha256(key), prefix: key.slice(0, 12) }]);

      const env = { DATABASE_URL: url };
      const viewer = lines((await keysInProcess(env, 'create', '--org', 'globex', '--role', 'viewer')).stdout).at(-1)!;
      const list = await keysInProcess(env, 'list');
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/acme\s+admin\s+ann@acme\.example/);
      expect(list.stdout).toContain(viewer.slice(0, 12));
      expect(list.stdout).not.toContain(key);
      expect((await keysInProcess(env, 'list', '--org', 'globex')).stdout).not.toContain('acme');

      // The server's authentication over the same store: principals, and the last use written.
      const at = new Date('2026-03-01T10:00:00Z');
      const keys = createKeysCore({ store: createPostgresStore(database.db), now: () => at });
      expect(await keys.authenticate(key)).toMatchObject({ orgName: 'acme', role: 'admin', userName: 'ann@acme.example' });
      expect(await keys.authenticate('o365_unknown')).toBeNull();
      await keys.flush();
      const used = await database.pool.query<{ last_used_at: Date }>('select last_used_at from api_keys where key_hash = $1', [sha256(key)]);
      expect(used.rows[0]!.last_used_at.toISOString()).toBe(at.toISOString());

      const revoked = await keysInProcess(env, 'revoke', key.slice(0, 12));
      expect(revoked).toMatchObject({ code: 0, stderr: '' });
      expect(revoked.stdout).toContain('org "acme", admin');
      expect(await keys.authenticate(key)).toBeNull();
      expect(await keys.authenticate(viewer)).toMatchObject({ orgName: 'globex', role: 'viewer' });
      expect((await keysInProcess(env, 'revoke', 'o365_nothing')).code).toBe(1);
      expect(await keys.revokeUserKeys((await keys.org('acme')).id, 'ann@acme.example')).toBe(0);
    } finally {
      await database.close();
    }
  });

  it('refuses a DATABASE_URL that is not a PostgreSQL URL, naming the variable', async () => {
    for (const bad of ['mysql://db.example/health', 'postgres://', 'postgres://db.example', 'not a url']) {
      const run = await keysInProcess({ DATABASE_URL: bad }, 'list');
      expect(run.code, bad).toBe(2);
      expect(run.stderr, bad).toContain('DATABASE_URL');
    }
    expect(loadConfig({ DATABASE_URL: 'postgresql://user:secret@db.example:5432/health' }).databaseUrl).toBe('postgresql://user:secret@db.example:5432/health');
    expect(loadConfig({}).databaseUrl).toBeNull();
  });
});
