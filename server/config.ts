/**
 * Configuration, read once from the environment and validated with zod.
 * A bad value stops start-up with a message naming the variable (see {@link ConfigError}).
 * The variables and their defaults are a contract (DESIGN.md, "Configuration").
 */
import { hostname } from 'node:os';
import { Cron } from 'croner';
import { z } from 'zod';

export const DEFAULT_LOGIN_URL = 'https://login.microsoftonline.com';
export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com';
export const DEFAULT_POLL_CRON = '*/5 * * * *';
/**
 * How long a tenant's lease lasts unless its sync renews it: a dead instance's tenants are taken
 * over within one poll interval plus this.
 */
export const DEFAULT_LEASE_SECONDS = 120;
/** RETENTION_DAYS default: issues Microsoft dropped are kept this many days after their last change. */
export const DEFAULT_RETENTION_DAYS = 400;
/** FULL_SYNC_MINUTES default: the full issue resync runs every 6 hours. */
export const DEFAULT_FULL_SYNC_MINUTES = 360;

/** Thrown when the environment holds a value the server cannot run with. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** An http(s) base URL without a trailing slash, query or fragment. */
const baseUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash;
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without query or fragment')
  .transform((v) => v.replace(/\/+$/, ''));

const cronPattern = z
  .string()
  .trim()
  .refine((v) => {
    try {
      new Cron(v, { paused: true }).stop();
      return true;
    } catch {
      return false;
    }
  }, 'must be a croner pattern such as "*/5 * * * *" or "*/30 * * * * *"');

const originList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(
    z.array(
      z.string().refine((o) => {
        try {
          return new URL(o).origin === o;
        } catch {
          return false;
        }
      }, 'each entry must be an origin such as https://portal.example.com (scheme, host and port only)'),
    ),
  );

/** `smtp://[user:pass@]host[:port]` or `smtps://…` (nodemailer's connection URL). */
const smtpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an smtp:// or smtps:// URL such as smtp://user:pass@mail.example.com:587');

/** `postgres://` or `postgresql://`, with a host and a database name (credentials optional). */
const databaseUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const u = new URL(value);
      return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '' && u.pathname.length > 1;
    } catch {
      return false;
    }
  }, 'must be a PostgreSQL URL with a host and a database: postgres://user:password@host:5432/database');

const schema = z.object({
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(8787)),
  HOST: z.preprocess(emptyToUndefined, z.string().trim().min(1).default('127.0.0.1')),
  PUBLIC_URL: z.preprocess(emptyToUndefined, baseUrl.optional()),
  DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().trim().min(1).default('./data/o365-health.db')),
  DATABASE_URL: z.preprocess(emptyToUndefined, databaseUrl.optional()),
  INSTANCE_ID: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^[\x21-\x7e]{1,100}$/, 'must be 1 to 100 printable ASCII characters without spaces (it names this instance in logs and lease rows)')
      .optional(),
  ),
  LEASE_SECONDS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'must be a whole number of seconds' })
      .int('must be a whole number of seconds')
      .min(5, 'must be at least 5 seconds')
      .max(3600, 'must be at most 3600 seconds (an hour)')
      .default(DEFAULT_LEASE_SECONDS),
  ),
  MICROSOFT_CLIENT_ID: z.preprocess(emptyToUndefined, z.string().trim().min(1).optional()),
  MICROSOFT_CLIENT_SECRET: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  MICROSOFT_LOGIN_URL: z.preprocess(emptyToUndefined, baseUrl.default(DEFAULT_LOGIN_URL)),
  MICROSOFT_GRAPH_URL: z.preprocess(emptyToUndefined, baseUrl.default(DEFAULT_GRAPH_URL)),
  POLL_CRON: z.preprocess(emptyToUndefined, cronPattern.default(DEFAULT_POLL_CRON)),
  SECRET_KEY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .refine((v) => decodeSecretKey(v) !== null, 'must be 32 bytes as 64 hex characters or base64')
      .optional(),
  ),
  ALLOWED_ORIGINS: z.preprocess(emptyToUndefined, originList.optional()),
  RETENTION_DAYS: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ message: 'must be a whole number of days' }).int('must be a whole number of days').min(1, 'must be at least 1 day').max(36_500, 'must be at most 36500 days').default(DEFAULT_RETENTION_DAYS),
  ),
  FULL_SYNC_MINUTES: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ message: 'must be a whole number of minutes' }).int('must be a whole number of minutes').min(1, 'must be at least 1 minute').max(10_080, 'must be at most 10080 minutes (a week)').default(DEFAULT_FULL_SYNC_MINUTES),
  ),
  METRICS_TOKEN: z.preprocess(emptyToUndefined, z.string().trim().min(16, 'must be at least 16 characters (it guards GET /metrics)').optional()),
  SMTP_URL: z.preprocess(emptyToUndefined, smtpUrl.optional()),
  SMTP_FROM: z.preprocess(emptyToUndefined, z.string().trim().regex(/^[^\r\n]*<?[^\s@<>]+@[^\s@<>]+>?$/, 'must be an e-mail address, optionally with a name: "o365-health <alerts@example.com>"').optional()),
  ALLOW_PRIVATE_TARGETS: z.preprocess(
    emptyToUndefined,
    z.enum(['true', 'false'], { error: 'must be "true" or "false"' }).default('false').transform((v) => v === 'true'),
  ),
});

/** The default INSTANCE_ID: the host name and the process id, unique among running instances. */
export function defaultInstanceId(): string {
  return `${hostname()}:${process.pid}`;
}

/** The validated configuration the server runs with. */
export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  databasePath: string;
  /** DATABASE_URL: the PostgreSQL database to use instead of the SQLite file; null for SQLite. */
  databaseUrl: string | null;
  /** INSTANCE_ID: this process among the instances sharing a database (log lines, lease rows); default host name:pid. */
  instanceId: string;
  /** LEASE_SECONDS, in ms: how long a tenant's lease lasts unless renewed (docs/scale-out.md). */
  leaseMs: number;
  /** `null` in simulator mode (no client id configured). */
  microsoft: { clientId: string; clientSecret: string } | null;
  loginUrl: string;
  graphUrl: string;
  pollCron: string;
  /** Raw SECRET_KEY bytes, or `null` to use (or create) the key file in the data folder. */
  secretKey: Buffer | null;
  allowedOrigins: string[];
  /** True when no Microsoft app is configured and the built-in simulator stands in for Microsoft. */
  simulatorMode: boolean;
  /** RETENTION_DAYS: issues Microsoft no longer lists are kept this long after their last change. */
  retentionDays: number;
  /** FULL_SYNC_MINUTES: how often the full (unfiltered) issue resync runs. */
  fullSyncMinutes: number;
  /** METRICS_TOKEN: the bearer token of `GET /metrics`; `null` turns the endpoint off (404). */
  metricsToken: string | null;
  /** SMTP_URL: the mail server of e-mail channels; `null` turns e-mail channels off. */
  smtpUrl: string | null;
  /** SMTP_FROM: the sender of e-mail notifications. */
  smtpFrom: string | null;
  /** ALLOW_PRIVATE_TARGETS: channels may reach private and loopback addresses, and `http:`. */
  allowPrivateTargets: boolean;
}

/** Decodes a 32-byte key given as hex or base64; `null` when it is neither. */
export function decodeSecretKey(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const buf = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
    if (buf.length === 32) return buf;
  }
  return null;
}

/** `http://<HOST>:<PORT>`, with 127.0.0.1 standing in for a wildcard address (0.0.0.0, ::). */
export function defaultPublicUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/**
 * The origins of the server itself: PUBLIC_URL's, and on a loopback host both spellings of it
 * (`localhost` and `127.0.0.1`), which reach the same server from the same machine.
 */
export function ownOrigins(publicUrl: string): string[] {
  const url = new URL(publicUrl);
  const origins = [url.origin];
  if (url.hostname === 'localhost' || url.hostname === '127.0.0.1') {
    const alias = new URL(publicUrl);
    alias.hostname = url.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
    origins.push(alias.origin);
  }
  return origins;
}

/**
 * Reads and validates the configuration.
 * @throws ConfigError naming every variable that is wrong.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.MICROSOFT_CLIENT_ID && !e.MICROSOFT_CLIENT_SECRET) {
    throw new ConfigError('Invalid configuration:\n  MICROSOFT_CLIENT_SECRET: required when MICROSOFT_CLIENT_ID is set');
  }
  if (e.SMTP_URL && !e.SMTP_FROM) {
    throw new ConfigError('Invalid configuration:\n  SMTP_FROM: required when SMTP_URL is set (the sender of e-mail notifications)');
  }
  if (!e.MICROSOFT_CLIENT_ID && e.MICROSOFT_CLIENT_SECRET) {
    throw new ConfigError('Invalid configuration:\n  MICROSOFT_CLIENT_ID: required when MICROSOFT_CLIENT_SECRET is set');
  }
  // The default is the address the server prints and listens on, so a page opened there is on
  // the server's own origin (the OAuth popup's message reaches it).
  const publicUrl = e.PUBLIC_URL ?? defaultPublicUrl(e.HOST, e.PORT);
  const allowedOrigins = [...new Set([...ownOrigins(publicUrl), ...(e.ALLOWED_ORIGINS ?? [])])];
  const microsoft = e.MICROSOFT_CLIENT_ID
    ? { clientId: e.MICROSOFT_CLIENT_ID, clientSecret: e.MICROSOFT_CLIENT_SECRET! }
    : null;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    databasePath: e.DATABASE_PATH,
    databaseUrl: e.DATABASE_URL ?? null,
    instanceId: e.INSTANCE_ID ?? defaultInstanceId(),
    leaseMs: e.LEASE_SECONDS * 1000,
    microsoft,
    loginUrl: e.MICROSOFT_LOGIN_URL,
    graphUrl: e.MICROSOFT_GRAPH_URL,
    pollCron: e.POLL_CRON,
    secretKey: e.SECRET_KEY ? decodeSecretKey(e.SECRET_KEY) : null,
    allowedOrigins,
    simulatorMode: microsoft === null,
    retentionDays: e.RETENTION_DAYS,
    fullSyncMinutes: e.FULL_SYNC_MINUTES,
    metricsToken: e.METRICS_TOKEN ?? null,
    smtpUrl: e.SMTP_URL ?? null,
    smtpFrom: e.SMTP_FROM ?? null,
    allowPrivateTargets: e.ALLOW_PRIVATE_TARGETS,
  };
}

/**
 * What the server needs beyond a valid configuration (the keys CLI does not): instances on one
 * PostgreSQL database must unseal the tokens the others sealed, so they need one SECRET_KEY (a key
 * file per machine would not do).
 * @throws ConfigError
 */
export function assertServerConfig(config: Pick<Config, 'databaseUrl' | 'secretKey'>): void {
  if (config.databaseUrl && !config.secretKey) {
    throw new ConfigError(
      'Invalid configuration:\n  SECRET_KEY: required with DATABASE_URL (every instance on the database needs the same key to read the tokens the others stored); create one with: openssl rand -hex 32',
    );
  }
}
