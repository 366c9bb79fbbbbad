/**
 * `npm run keys` as a user runs it: a child process (`npx tsx server/keys.ts`, spawned
 * asynchronously) on a database file in a temporary folder.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../server/crypto.js';
import { openDatabase } from '../../server/db/index.js';
import { runKeysCli } from '../../server/keys.js';
import { authenticateApiKey, createApiKey } from '../../server/store/keys.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let dbPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'o365-health-keys-'));
  dbPath = join(dir, 'data', 'keys.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keysCli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return keysCliOn(dbPath, ...args);
}

/** `npx tsx server/keys.ts …` as a child process on the database at `path`. */
function keysCliOn(path: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'server/keys.ts', ...args], {
      cwd: REPO,
      env: { ...process.env, DATABASE_PATH: path, MICROSOFT_CLIENT_ID: '', MICROSOFT_CLIENT_SECRET: '' },
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

/** The same CLI in-process (same argument parsing and output), for the cases that need no child. */
async function keysInProcess(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeysCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: { DATABASE_PATH: dbPath } });
  return { code, stdout: out.map((l) => l + '\n').join(''), stderr: err.join('\n') };
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

function databaseBytes(): Buffer {
  const folder = join(dir, 'data');
  return Buffer.concat(readdirSync(folder).filter((f) => f.startsWith('keys.db')).map((f) => readFileSync(join(folder, f))));
}

describe('npm run keys', () => {
  let adminKey: string;

  it('create prints explanations, then the key as the last line; only its hash is stored', async () => {
    const run = await keysCli('create', '--org', 'acme', '--role', 'admin', '--user', 'ann@acme.example');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out.length).toBeGreaterThan(1);
    adminKey = out.at(-1)!;
    expect(adminKey).toMatch(/^o365_[A-Za-z0-9_-]{43}$/);
    expect(out.slice(0, -1).join('\n')).toContain('acme');

    const bytes = databaseBytes();
    expect(bytes.includes(Buffer.from(adminKey))).toBe(false);
    expect(bytes.includes(Buffer.from(adminKey.slice(12)))).toBe(false);
    expect(bytes.includes(Buffer.from(sha256(adminKey)))).toBe(true);

    const opened = openDatabase(dbPath);
    try {
      expect(authenticateApiKey(opened.db, adminKey, new Date())).toMatchObject({ orgName: 'acme', role: 'admin', userName: 'ann@acme.example' });
    } finally {
      opened.close();
    }
  });

  it('list shows prefix, org, role and user, never the key', async () => {
    const viewer = await keysCli('create', '--org', 'globex', '--role', 'viewer');
    expect(viewer.code).toBe(0);
    const viewerKey = lines(viewer.stdout).at(-1)!;

    const all = await keysCli('list');
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(adminKey.slice(0, 12));
    expect(all.stdout).toContain(viewerKey.slice(0, 12));
    expect(all.stdout).toMatch(/acme\s+admin\s+ann@acme\.example/);
    expect(all.stdout).not.toContain(adminKey);
    expect(all.stdout).not.toContain(viewerKey);

    const globex = await keysInProcess('list', '--org', 'globex');
    expect(globex.stdout).toContain(viewerKey.slice(0, 12));
    expect(globex.stdout).not.toContain(adminKey.slice(0, 12));
  });

  it('revoke by prefix makes the key useless', async () => {
    const run = await keysCli('revoke', adminKey.slice(0, 12));
    expect(run.code).toBe(0);
    const opened = openDatabase(dbPath);
    try {
      expect(authenticateApiKey(opened.db, adminKey, new Date())).toBeNull();
    } finally {
      opened.close();
    }
    const list = await keysInProcess('list', '--org', 'acme');
    expect(list.stdout).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s*$/m);
    const unknown = await keysInProcess('revoke', 'o365_nothing');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('o365_nothing');
  });

  it('bad arguments print usage on stderr and exit 2 (child process)', async () => {
    for (const args of [[], ['create', '--org', 'acme', '--role', 'root']]) {
      const run = await keysCli(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('Usage:');
    }
  });

  it('every kind of bad argument is refused with usage and exit code 2', async () => {
    const cases = [
      [],
      ['frobnicate'],
      ['create', '--org', 'acme'],
      ['create', '--org', 'acme', '--role', 'root'],
      ['create', '--role', 'admin'],
      ['create', '--org', 'acme', '--role', 'admin', '--colour', 'red'],
      ['revoke'],
      ['revoke', 'a', 'b'],
      ['list', 'extra'],
    ];
    const runs = await Promise.all(cases.map((args) => keysInProcess(...args)));
    runs.forEach((run, i) => {
      const label = cases[i].join(' ') || '(none)';
      expect(run.code, label).toBe(2);
      expect(run.stdout, label).toBe('');
      expect(run.stderr, label).toContain('Usage:');
    });
  });
});

describe('npm run keys on a read-only database', () => {
  /**
   * Makes the file and its folder read-only for real: `chattr +i` as root (who ignores permission
   * bits), file modes otherwise. Either way SQLite can neither write the file nor create `-shm`.
   */
  function makeReadOnly(folder: string, file: string): () => void {
    if (process.getuid?.() === 0) {
      execFileSync('chattr', ['+i', file, folder]);
      return () => execFileSync('chattr', ['-i', file, folder]);
    }
    chmodSync(file, 0o444);
    chmodSync(folder, 0o555);
    return () => {
      chmodSync(folder, 0o755);
      chmodSync(file, 0o644);
    };
  }

  it('lists the keys, and refuses to create one with a clear message', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'o365-health-keys-ro-'));
    const file = join(folder, 'keys.db');
    const opened = openDatabase(file);
    createApiKey(opened.db, { orgName: 'acme', role: 'viewer', userName: 'ro@acme.example' });
    opened.close();
    const restore = makeReadOnly(folder, file);
    try {
      const run = (...args: string[]) => keysCliOn(file, ...args);
      const list = await run('list');
      expect(list.stderr).toBe('');
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/acme\s+viewer\s+ro@acme\.example/);
      const create = await run('create', '--org', 'acme', '--role', 'admin');
      expect(create.code).toBe(1);
      expect(create.stderr).toMatch(/cannot be written \(is its disk full or read-only\?\)/);
    } finally {
      restore();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
