/**
 * Start-up: configuration validation, the SECRET_KEY file, and the real `server/main.ts` process in
 * simulator mode (what `npm start` runs): it pre-authorizes a simulated tenant, serves its data,
 * refuses a bad configuration naming the variable, and shuts down cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertServerConfig, ConfigError, loadConfig } from '../../server/config.js';
import { loadOrCreateSecretKey, SecretBox } from '../../server/crypto.js';
import { waitFor } from '../support/stack.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'o365-health-start-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('configuration', () => {
  it('has the documented defaults and simulator mode without a client id', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      // The address `npm start` prints and listens on; both loopback spellings may embed.
      publicUrl: 'http://127.0.0.1:8787',
      databasePath: './data/o365-health.db',
      loginUrl: 'https://login.microsoftonline.com',
      graphUrl: 'https://graph.microsoft.com',
      pollCron: '*/5 * * * *',
      secretKey: null,
      allowedOrigins: ['http://127.0.0.1:8787', 'http://localhost:8787'],
      simulatorMode: true,
      microsoft: null,
      databaseUrl: null,
      instanceId: `${hostname()}:${process.pid}`,
      leaseMs: 120_000,
    });
    expect(loadConfig({ INSTANCE_ID: ' web-1 ' }).instanceId).toBe('web-1');
    expect(loadConfig({ DATABASE_URL: 'postgres://health@db.example:5432/health' }).databaseUrl).toBe('postgres://health@db.example:5432/health');
    // Instances on one database must share the key that seals the tokens: a key file per machine would not.
    expect(() => assertServerConfig(loadConfig({ DATABASE_URL: 'postgres://health@db.example:5432/health' }))).toThrow(/SECRET_KEY: required with DATABASE_URL/);
    expect(() => assertServerConfig(loadConfig({ DATABASE_URL: 'postgres://health@db.example:5432/health', SECRET_KEY: 'ab'.repeat(32) }))).not.toThrow();
    expect(() => assertServerConfig(loadConfig({}))).not.toThrow();
    expect(loadConfig({ LEASE_SECONDS: '30' }).leaseMs).toBe(30_000);
    expect(() => loadConfig({ LEASE_SECONDS: '2' })).toThrow(/LEASE_SECONDS: must be at least 5 seconds/);
  });

  it('accepts six-field croner patterns, origin lists, http loopback Microsoft URLs and a hex key', () => {
    const c = loadConfig({
      POLL_CRON: '*/30 * * * * *',
      ALLOWED_ORIGINS: 'https://portal.example.com, http://localhost:3000',
      MICROSOFT_LOGIN_URL: 'http://127.0.0.1:9999/',
      MICROSOFT_CLIENT_ID: 'app',
      MICROSOFT_CLIENT_SECRET: 'secret',
      SECRET_KEY: 'ab'.repeat(32),
      PUBLIC_URL: 'https://health.example.com',
    });
    expect(c.pollCron).toBe('*/30 * * * * *');
    expect(c.allowedOrigins).toEqual(['https://health.example.com', 'https://portal.example.com', 'http://localhost:3000']);
    expect(c.loginUrl).toBe('http://127.0.0.1:9999');
    expect(c.simulatorMode).toBe(false);
    expect(c.secretKey?.length).toBe(32);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ POLL_CRON: 'every five minutes' }, 'POLL_CRON'],
    [{ SECRET_KEY: 'too-short' }, 'SECRET_KEY'],
    [{ ALLOWED_ORIGINS: 'https://portal.example.com/path' }, 'ALLOWED_ORIGINS'],
    [{ MICROSOFT_GRAPH_URL: 'ftp://graph' }, 'MICROSOFT_GRAPH_URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ MICROSOFT_CLIENT_ID: 'app' }, 'MICROSOFT_CLIENT_SECRET'],
    [{ INSTANCE_ID: 'web 1' }, 'INSTANCE_ID'],
    [{ DATABASE_URL: 'sqlite:///data/o365.db' }, 'DATABASE_URL'],
  ])('refuses %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`\\b${name}:`));
  });
});

describe('SECRET_KEY file', () => {
  it('is generated with mode 0600 when unset, then reused', () => {
    const db = join(tempDir(), 'data', 'x.db');
    const first = loadOrCreateSecretKey(null, db);
    const file = join(dirname(db), 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecretKey(null, db).equals(first)).toBe(true);
    // A value sealed under the key opens only under the same key and context.
    const sealed = new SecretBox(first).seal('refresh-token', 'row-1');
    expect(new SecretBox(loadOrCreateSecretKey(null, db)).open(sealed, 'row-1')).toBe('refresh-token');
    expect(() => new SecretBox(first).open(sealed, 'row-2')).toThrow();
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
  });
});

function startMain(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, MICROSOFT_CLIENT_ID: '', MICROSOFT_CLIENT_SECRET: '', PUBLIC_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('server/main.ts (npm start)', () => {
  it('refuses a bad configuration with a message naming the variable', async () => {
    const run = startMain({ POLL_CRON: 'sometimes', DATABASE_PATH: join(tempDir(), 'db.sqlite') });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/POLL_CRON: must be a croner pattern/);
  });

  it('runs in simulator mode with a pre-authorized tenant, and stops cleanly on SIGTERM', async () => {
    const run = startMain({ PORT: '0', DATABASE_PATH: join(tempDir(), 'db.sqlite'), INSTANCE_ID: 'web-1' });
    try {
      const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(run.output())?.[1], 'the server to listen', 30_000);
      expect(run.output()).toMatch(/Microsoft is SIMULATED/);
      expect(run.output()).toContain('instance:     web-1 (INSTANCE_ID)');
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
      const script = await (await fetch(`${url}/demo/config.js`)).text();
      const apiKey = /"apiKey":"([^"]+)"/.exec(script)![1]!;
      const tenants = await waitFor(async () => {
        const body = (await (await fetch(`${url}/api/tenants`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as {
          tenants: Array<{ displayName: string; lastSyncAt: string | null; status: string }>;
        };
        return body.tenants[0]?.lastSyncAt ? body.tenants : null;
      }, 'the pre-authorized tenant to sync');
      expect(tenants).toEqual([expect.objectContaining({ displayName: 'Contoso Ltd', status: 'active', stale: false })]);
      // The server's own lines name the instance (the first sync's authorization line, for one).
      expect(run.output()).toMatch(/^\[web-1\] authorization \S+: active for tenant /m);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.output()).toMatch(/SIGTERM: shutting down/);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});

describe('npm start twice', () => {
  const MAIN_ENV = (dir: string) => ({ PORT: '0', DATABASE_PATH: join(dir, 'o365-health.db'), POLL_CRON: '*/2 * * * * *' });

  async function demoKey(url: string) {
    const script = await (await fetch(`${url}/demo/config.js`)).text();
    return /"apiKey":"([^"]+)"/.exec(script)![1]!;
  }
  async function authorizations(url: string, key: string) {
    const res = await fetch(`${url}/api/authorizations`, { headers: { authorization: `Bearer ${key}` } });
    return ((await res.json()) as { authorizations: Array<{ status: string; lastSuccessAt: string | null; lastError: string | null; consentedBy: string | null }> }).authorizations;
  }

  it('in simulator mode keeps every authorization and the demo key working across a restart', async () => {
    const dir = tempDir();
    const first = startMain(MAIN_ENV(dir));
    let key: string;
    let syncedBefore: string;
    try {
      const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(first.output())?.[1], 'the first server to listen', 30_000);
      // One address: the demo portal is on the address the server listens on.
      expect(first.output()).toContain(`demo portal:  ${url}/demo/`);
      key = await demoKey(url);
      const [auth] = await waitFor(async () => {
        const list = await authorizations(url, key);
        return list[0]?.lastSuccessAt ? list : null;
      }, 'the demo tenant to sync');
      expect(auth).toMatchObject({ status: 'active', consentedBy: expect.stringContaining('@') });
      syncedBefore = auth!.lastSuccessAt!;
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
    }

    const second = startMain(MAIN_ENV(dir));
    try {
      const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(second.output())?.[1], 'the second server to listen', 30_000);
      // The open demo page's key still works, and it is the key the demo page is handed again.
      expect(await demoKey(url)).toBe(key);
      // The next polls refresh tokens at the restarted simulator: still active, newer success.
      const [auth] = await waitFor(async () => {
        const list = await authorizations(url, key);
        return list[0] && list[0].lastSuccessAt !== syncedBefore ? list : null;
      }, 'a sync after the restart', 20_000);
      expect(auth).toMatchObject({ status: 'active', lastError: null });
      expect(second.output()).not.toMatch(/AADSTS|re-authorization/);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('refuses a second server on the same data folder with a message, and starts after the first is killed', async () => {
    const dir = tempDir();
    const first = startMain(MAIN_ENV(dir));
    try {
      await waitFor(() => /listening on (http:\/\/\S+)/.exec(first.output())?.[1], 'the first server to listen', 30_000);
      const second = startMain(MAIN_ENV(dir));
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/Another o365-health server \(process \d+ on .+\) is already using the database/);
      expect(second.output()).toMatch(/Running several instances/);
      // A crash leaves the lock behind; the next start sees its owner is gone and takes over.
      first.child.kill('SIGKILL');
      await first.exited;
      const third = startMain(MAIN_ENV(dir));
      try {
        await waitFor(() => /listening on (http:\/\/\S+)/.exec(third.output())?.[1], 'a start after the crash', 30_000);
      } finally {
        third.child.kill('SIGTERM');
        await third.exited;
      }
    } finally {
      first.child.kill('SIGKILL');
    }
  });
});
