/**
 * `npm run keys -- <command>`: manage API keys in the database at DATABASE_PATH, or in the
 * PostgreSQL database at DATABASE_URL when it is set.
 *
 *   create --org NAME --role admin|viewer [--user NAME]   prints the new key as the last line
 *   list [--org NAME]                                     prefix, org, role, user, dates
 *   revoke <id|prefix>
 *
 * Exit codes: 0 done, 1 failed (e.g. no such key), 2 bad arguments.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/index.js';
import { openPostgres } from './db/postgres.js';
import { isStorageUnavailable } from './errors.js';
import { ROLES, type Role } from './db/schema.js';
import { createKeysCore, type KeysCore } from './core/keys.js';
import { createSqliteStore } from './store/index.js';
import { createPostgresStore } from './store/pg/index.js';
import { AmbiguousKeyError } from './store/keys.js';

export const USAGE = `Usage:
  npm run keys -- create --org NAME --role admin|viewer [--user NAME]
  npm run keys -- list [--org NAME]
  npm run keys -- revoke <id|prefix>

The database is DATABASE_URL (postgres://…) when set, else DATABASE_PATH (default ./data/o365-health.db).`;

class UsageError extends Error {}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

const fmt = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function runKeysCli(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        org: { type: 'string' },
        role: { type: 'string' },
        user: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const [command, ...rest] = positionals;
  try {
    // Check the arguments before touching the database.
    const run = plan(command, rest, values);
    let config;
    try {
      config = loadConfig(io.env);
    } catch (err) {
      if (err instanceof ConfigError) {
        io.err(err.message);
        return 2;
      }
      throw err;
    }
    if (config.databaseUrl) {
      // PostgreSQL (DATABASE_URL): the same operations; opening applies pending migrations under the lock.
      const database = await openPostgres(config.databaseUrl, { max: 2, applicationName: 'o365-health keys' });
      try {
        return await run(createKeysCore({ store: createPostgresStore(database.db), now: () => new Date() }), io);
      } finally {
        await database.close();
      }
    }
    // Listing only reads: it works on a database whose disk is full or read-only.
    const database = openDatabase(config.databasePath, { readonly: command === 'list' });
    try {
      return await run(createKeysCore({ store: createSqliteStore(database.db), now: () => new Date() }), io);
    } finally {
      database.close();
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (isStorageUnavailable(err)) {
      io.err(`keys: the database cannot be written (is its disk full or read-only?): ${(err as Error).message}`);
      return 1;
    }
    io.err(`keys: ${(err as Error).message}`);
    return 1;
  }
}

type Command = (keys: KeysCore, io: Io) => Promise<number>;

function plan(
  command: string | undefined,
  rest: string[],
  values: { org?: string; role?: string; user?: string },
): Command {
  switch (command) {
    case 'create': {
      if (rest.length) throw new UsageError(`Unexpected argument: ${rest[0]}`);
      const orgName = values.org?.trim();
      if (!orgName) throw new UsageError('create needs --org NAME.');
      if (orgName.length > 100) throw new UsageError('--org must have at most 100 characters.');
      if (!values.role || !(ROLES as readonly string[]).includes(values.role)) {
        throw new UsageError(`create needs --role ${ROLES.join('|')}.`);
      }
      const role = values.role as Role;
      const userName = values.user?.trim() || null;
      return async (keys, io) => {
        const created = await keys.create({ orgName, role, userName });
        io.out(`Created ${role === 'admin' ? 'an' : 'a'} ${role} API key for org "${orgName}"${userName ? ` (user ${userName})` : ''}.`);
        io.out(`id ${created.id}, prefix ${created.prefix}`);
        io.out('The key is shown only this once; only its hash is stored. Send it as "Authorization: Bearer <key>".');
        io.out(created.key);
        return 0;
      };
    }
    case 'list': {
      if (rest.length) throw new UsageError(`Unexpected argument: ${rest[0]}`);
      if (values.role !== undefined || values.user !== undefined) throw new UsageError('list takes only --org.');
      return async (core, io) => {
        const keys = await core.list(values.org);
        if (keys.length === 0) {
          io.out(values.org ? `No API keys for org "${values.org}".` : 'No API keys.');
          return 0;
        }
        const rows = [['ID', 'PREFIX', 'ORG', 'ROLE', 'USER', 'CREATED', 'LAST USED', 'REVOKED']];
        for (const k of keys) {
          rows.push([k.id, k.prefix, k.orgName, k.role, k.userName ?? '-', fmt(k.createdAt), fmt(k.lastUsedAt), fmt(k.revokedAt)]);
        }
        for (const line of table(rows)) io.out(line);
        return 0;
      };
    }
    case 'revoke': {
      if (rest.length !== 1 || !rest[0].trim()) throw new UsageError('revoke needs exactly one key id or prefix.');
      if (values.org !== undefined || values.role !== undefined || values.user !== undefined) {
        throw new UsageError('revoke takes no options.');
      }
      const ref = rest[0].trim();
      return async (keys, io) => {
        try {
          const key = await keys.revoke(ref);
          if (!key) {
            io.err(`No API key has the id or prefix ${ref}.`);
            return 1;
          }
          io.out(`Revoked API key ${key.prefix} (org "${key.orgName}", ${key.role}).`);
          return 0;
        } catch (err) {
          if (err instanceof AmbiguousKeyError) {
            io.err(err.message);
            return 1;
          }
          throw err;
        }
      };
    }
    case undefined:
      throw new UsageError('A command is required.');
    default:
      throw new UsageError(`Unknown command: ${command}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runKeysCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    env: process.env,
  });
}
