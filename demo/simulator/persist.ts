/**
 * The simulator's state file (`SimulatorOptions.stateFile`): what Microsoft would remember across
 * a restart of its cloud, so that a restarted simulator honours the refresh tokens, consents and
 * app registrations it issued, signs with the same key (same JWKS) and keeps its tenants' data
 * where it was (issues created, changed or deleted through the control API, pinned service
 * statuses, live-mode progress and the issue-id counter).
 *
 * Not kept: the request log, faults, waiting requests, pending sign-ins and authorization codes
 * (a sign-in in progress during a restart must start again, as it would at Microsoft after ten minutes).
 *
 * Format (JSON, mode 0600), version 1:
 * ```json
 * { "version": 1, "savedAt": "…", "signingKey": { "kty": "RSA", "n": "…", "e": "AQAB", "d": "…", … },
 *   "apps": [AppRegistration], "consents": [{ "tenantId", "clientId", "consentId" }],
 *   "refreshTokens": [{ "key": "<sha256 of the token>", …RefreshGrant }], "tokenGenerations": { "<tenantId>": 1 },
 *   "world": WorldSnapshot }
 * ```
 * Refresh tokens are kept only as their SHA-256, so the file holds no usable token; it does hold
 * the private signing key and the app secrets, hence mode 0600.
 *
 * Writing is atomic: a temporary file in the same folder, fsync, rename over the old file (then a
 * best-effort fsync of the folder), debounced after each change and flushed by `close()`.
 *
 * Reading: no file → a fresh start (the file is written at once). A file that is not valid JSON,
 * not version 1 or not the expected shape is renamed `<file>.corrupt-<timestamp>`, a line saying so
 * is logged, and the simulator starts fresh. A file that cannot be read at all (permissions, a
 * folder) or renamed aside makes start-up throw a clear error instead: the simulator could not
 * keep its state there either, and a silent fresh start is the very failure this file exists to prevent.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { JWK } from 'jose';
import { z } from 'zod';
import type { WorldSnapshot } from './scenario.js';
import { PERMISSIONS, type AppRegistration, type RefreshGrant, type SimulatorState } from './state.js';

/** The current version of the state file format. */
export const STATE_FILE_VERSION = 1;

/** Version 1 of the state file. */
export interface StateFileV1 {
  version: 1;
  savedAt: string;
  signingKey: JWK;
  apps: AppRegistration[];
  consents: Array<{ tenantId: string; clientId: string; consentId: string }>;
  refreshTokens: Array<RefreshGrant & { key: string }>;
  tokenGenerations: Record<string, number>;
  world: WorldSnapshot;
}

const phaseSchema = z.object({ at: z.number(), status: z.string(), html: z.string().nullable(), postType: z.string().optional() });
const issueSchema = z.object({
  id: z.string().min(1),
  serviceId: z.string(),
  service: z.string(),
  title: z.string(),
  impact: z.string(),
  impactPast: z.string(),
  classification: z.string(),
  origin: z.string(),
  feature: z.string(),
  featureGroup: z.string(),
  highImpact: z.boolean().nullable(),
  details: z.array(z.object({ name: z.string(), value: z.string() })),
  startAt: z.number(),
  phases: z.array(phaseSchema).min(1),
  resolvedOverride: z.boolean().optional(),
});

const messageSchema = z.object({
  startAt: z.number(),
  json: z.object({
    startDateTime: z.string(),
    endDateTime: z.string().nullable(),
    lastModifiedDateTime: z.string(),
    title: z.string(),
    id: z.string().min(1),
    category: z.string(),
    severity: z.string(),
    tags: z.array(z.string()),
    isMajorChange: z.boolean(),
    actionRequiredByDateTime: z.string().nullable(),
    services: z.array(z.string()),
    expiryDateTime: z.string().nullable(),
    details: z.array(z.object({ name: z.string(), value: z.string() })),
    body: z.object({ contentType: z.string(), content: z.string() }),
    viewPoint: z.null(),
  }),
});

const fileSchema = z.object({
  version: z.literal(STATE_FILE_VERSION),
  savedAt: z.string(),
  signingKey: z.object({ kty: z.literal('RSA'), n: z.string().min(1), e: z.string().min(1), d: z.string().min(1) }).loose(),
  apps: z.array(
    z.object({
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      redirectUris: z.array(z.string()),
      displayName: z.string(),
      permissions: z.array(z.enum(PERMISSIONS)),
    }),
  ),
  consents: z.array(z.object({ tenantId: z.string(), clientId: z.string(), consentId: z.string() })),
  refreshTokens: z.array(
    z.object({
      key: z.string().min(1),
      clientId: z.string(),
      tenantId: z.string(),
      oid: z.string(),
      scope: z.string(),
      consentId: z.string(),
      active: z.boolean(),
      issuedAt: z.number(),
      rotatedAt: z.number().optional(),
    }),
  ),
  tokenGenerations: z.record(z.string(), z.number().int().min(0)),
  world: z.object({
    seed: z.number(),
    live: z.boolean(),
    extraTenants: z.number().int().min(0),
    startAt: z.number(),
    nextNumber: z.number().int(),
    liveGenerated: z.number().int().min(0),
    liveIssues: z.array(z.object({ n: z.number().int().min(1), tenantId: z.string(), id: z.string(), startAt: z.number() })),
    tenants: z.record(
      z.string(),
      z.object({ issues: z.array(issueSchema), deletedIssueIds: z.array(z.string()), serviceOverrides: z.record(z.string(), z.string()), messages: z.array(messageSchema), deletedMessageIds: z.array(z.string()).optional() }),
    ),
  }),
});

/** What {@link readStateFile} found. */
export type StateFileRead =
  | { status: 'missing' }
  | { status: 'loaded'; data: StateFileV1 }
  | { status: 'corrupt'; problem: string; movedTo: string };

/**
 * Reads and checks a state file. A corrupt one is renamed aside (see the module comment);
 * an unreadable one throws.
 */
export async function readStateFile(file: string, now: Date = new Date()): Promise<StateFileRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    throw new Error(`The simulator's state file ${file} cannot be read (${(error as Error).message}). Fix its permissions, or move it away to start with a fresh simulated cloud.`, { cause: error });
  }
  let problem: string;
  try {
    const parsed = fileSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { status: 'loaded', data: parsed.data as StateFileV1 };
    const version = (JSON.parse(text) as { version?: unknown } | null)?.version;
    problem =
      version !== STATE_FILE_VERSION
        ? `unsupported format version ${JSON.stringify(version)} (this simulator reads version ${STATE_FILE_VERSION})`
        : `unexpected content (${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ')})`;
  } catch (error) {
    problem = `not valid JSON (${(error as Error).message})`;
  }
  const movedTo = `${file}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(file, movedTo);
  } catch (error) {
    throw new Error(`The simulator's state file ${file} is unusable (${problem}) and could not be moved aside (${(error as Error).message}).`, { cause: error });
  }
  return { status: 'corrupt', problem, movedTo };
}

/** Puts the identity part of a state file into a fresh {@link SimulatorState}. */
export function restoreState(state: SimulatorState, data: StateFileV1): void {
  for (const app of data.apps) state.apps.set(app.clientId, { ...app, redirectUris: [...app.redirectUris], permissions: [...app.permissions] });
  state.consents.clear();
  for (const { tenantId, clientId, consentId } of data.consents) {
    let byClient = state.consents.get(tenantId);
    if (!byClient) state.consents.set(tenantId, (byClient = new Map()));
    byClient.set(clientId, consentId);
  }
  state.refreshTokens.clear();
  for (const { key, ...grant } of data.refreshTokens) state.refreshTokens.set(key, grant);
  state.tokenGenerations.clear();
  for (const [tenantId, generation] of Object.entries(data.tokenGenerations)) state.tokenGenerations.set(tenantId, generation);
}

/** The state file's content for the current state. */
export function snapshotState(state: SimulatorState, world: WorldSnapshot, signingKey: JWK, now: Date): StateFileV1 {
  return {
    version: STATE_FILE_VERSION,
    savedAt: now.toISOString(),
    signingKey,
    apps: [...state.apps.values()].map((a) => ({ ...a, redirectUris: [...a.redirectUris], permissions: [...a.permissions] })),
    consents: [...state.consents].flatMap(([tenantId, byClient]) => [...byClient].map(([clientId, consentId]) => ({ tenantId, clientId, consentId }))),
    refreshTokens: [...state.refreshTokens].map(([key, grant]) => ({ key, ...grant })),
    tokenGenerations: Object.fromEntries(state.tokenGenerations),
    world,
  };
}

/** Writes `text` to `file` atomically (temp file in the same folder, fsync, rename), mode 0600. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const folder = dirname(file);
  await mkdir(folder, { recursive: true });
  const temp = join(folder, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.chmod(0o600); // the umask may have taken bits away, never added them; be explicit anyway
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // Make the rename itself durable; some platforms cannot open a folder for fsync, which is fine.
  try {
    const dir = await open(folder, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    /* best effort */
  }
}

/** How long after a change the state file is written (changes within it are written together). */
export const STATE_WRITE_DEBOUNCE_MS = 50;

/** Writes the state file after changes, one write at a time; {@link flush} writes now. */
export class StateFileWriter {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly content: () => StateFileV1,
    private readonly warn: (line: string) => void,
  ) {}

  /** Notes a change; the file is written shortly. */
  changed(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => {
        /* logged in write(); the next change or close() tries again */
      });
    }, STATE_WRITE_DEBOUNCE_MS);
    // The timer must not keep a process alive; close() flushes what is pending.
    this.timer.unref();
  }

  /** Writes pending changes now (after any write in progress); rejects if the write fails. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const run = this.chain.then(() => this.write());
    this.chain = run.catch(() => {});
    return run;
  }

  /** Marks the state as changed and writes it now. */
  writeNow(): Promise<void> {
    this.dirty = true;
    return this.flush();
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(this.content())}\n`);
    } catch (error) {
      this.dirty = true;
      this.warn(`simulator: could not write the state file ${this.file}: ${(error as Error).message}`);
      throw error;
    }
  }
}
