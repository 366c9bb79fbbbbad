/**
 * A real PostgreSQL 15 for one test file, from Debian's packages (`apt-get install -y postgresql`):
 * `initdb` into a fresh temporary folder, `pg_ctl start` on a free loopback port with its unix
 * socket in that folder (nothing of the machine's own clusters is touched), one database per test
 * file, and everything stopped and removed afterwards — also when a test or the start fails, and
 * when the test process exits without running its hooks.
 *
 * `initdb` refuses to run as root, so as root the server runs as the `postgres` user
 * (`su postgres -s /bin/bash -c …`) in a folder that user owns; as any other user it runs as that
 * user. Durability is turned off (`fsync`, `synchronous_commit`, `full_page_writes`): a test
 * cluster never outlives its process.
 *
 * ```ts
 * const pg = usePostgres();              // in a test file: starts in beforeAll, stops in afterAll
 * it('…', async () => { const { db } = await openPostgres(pg().url); });
 * ```
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

const run = promisify(execFile);

/** Where Debian's `postgresql-15` puts its programs; `POSTGRES_BIN` overrides it. */
export const POSTGRES_BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  port: number;
  /** A URL of the `postgres` maintenance database (superuser `postgres`, no password). */
  adminUrl: string;
  /** Creates an empty database (a fresh random name unless given) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server and removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

/** Thrown when PostgreSQL's programs are not on this machine. */
export class PostgresNotInstalledError extends Error {
  override name = 'PostgresNotInstalledError';
}

/** Starts a private PostgreSQL server. */
export async function startPostgres(): Promise<PostgresServer> {
  const initdb = join(POSTGRES_BIN, 'initdb');
  try {
    accessSync(initdb, constants.X_OK);
  } catch {
    throw new PostgresNotInstalledError(
      `PostgreSQL 15 is needed for the PostgreSQL store's tests and ${initdb} is missing. Install it with: apt-get install -y postgresql (Debian 12), or set POSTGRES_BIN to the folder of initdb and pg_ctl.`,
    );
  }
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  /** Runs a PostgreSQL program as the user that owns the cluster. */
  const pgRun = async (program: string, args: string[]) => {
    const file = join(POSTGRES_BIN, program);
    if (!asRoot) return run(file, args, { encoding: 'utf8' });
    return run('su', ['postgres', '-s', '/bin/bash', '-c', [file, ...args].map(shellQuote).join(' ')], { encoding: 'utf8' });
  };

  let started = false;
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    if (existsSync(join(data, 'postmaster.pid'))) {
      try {
        const args = ['-D', data, 'stop', '-m', 'immediate', '-w'];
        if (asRoot) execFileSync('su', ['postgres', '-s', '/bin/bash', '-c', [join(POSTGRES_BIN, 'pg_ctl'), ...args].map(shellQuote).join(' ')], { stdio: 'ignore' });
        else execFileSync(join(POSTGRES_BIN, 'pg_ctl'), args, { stdio: 'ignore' });
      } catch {
        // Already gone; the folder still goes.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A worker that exits without running afterAll (a crash, a timeout) must not leave a server behind.
  process.once('exit', stopSync);

  try {
    await pgRun('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions']);
    let port = 0;
    let lastError: unknown;
    // The free port is found by binding it; another process may take it before PostgreSQL does.
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      port = await freePort();
      const settings = [
        `-p ${port}`,
        '-c listen_addresses=127.0.0.1',
        `-c unix_socket_directories=${dir}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=50',
      ].join(' ');
      try {
        await pgRun('pg_ctl', ['-D', data, '-l', logFile, '-o', settings, '-w', '-t', '60', 'start']);
        started = true;
      } catch (err) {
        lastError = err;
        // A server that is up after all (pg_ctl gave up waiting) is not retried on another port.
        if (existsSync(join(data, 'postmaster.pid'))) break;
      }
    }
    if (!started) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      throw new Error(`PostgreSQL did not start: ${(lastError as Error)?.message ?? lastError}\n${log}`);
    }
    const base = `postgres://postgres@127.0.0.1:${port}`;
    const adminUrl = `${base}/postgres`;
    return {
      port,
      adminUrl,
      async createDatabase(name = `test_${randomBytes(6).toString('hex')}`) {
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        try {
          await client.query(`create database ${client.escapeIdentifier(name)}`);
        } finally {
          await client.end();
        }
        return `${base}/${encodeURIComponent(name)}`;
      },
      async stop() {
        process.removeListener('exit', stopSync);
        stopSync();
      },
    };
  } catch (err) {
    process.removeListener('exit', stopSync);
    stopSync();
    throw err;
  }
}

/**
 * Registers `beforeAll`/`afterAll` in the calling test file: one server and one database for the
 * file. The returned getter gives the server and that database's URL (inside tests and hooks).
 */
export function usePostgres(): () => PostgresServer & { url: string } {
  let current: (PostgresServer & { url: string }) | undefined;
  beforeAll(async () => {
    const server = await startPostgres();
    try {
      current = { ...server, url: await server.createDatabase() };
    } catch (err) {
      await server.stop();
      throw err;
    }
  }, 120_000);
  afterAll(async () => {
    await current?.stop();
  });
  return () => {
    if (!current) throw new Error('usePostgres(): the server is available inside tests and hooks only');
    return current;
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
