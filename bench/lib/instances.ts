/**
 * Server instances for `npm run bench -- scale-out`: each a separate operating-system process
 * running `node --import tsx server/main.ts` (what `npm start` runs, without the widget build),
 * configured only through its environment, as production runs it; so `kill -9` is a real crash.
 * Every line it writes goes to `<logDir>/<id>.log` and is kept in memory (last 5 000 lines, with
 * the time the benchmark read it). Every child still running when the benchmark exits is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface LogLine {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface ServerInstance {
  id: string;
  pid: number;
  /** Lines written so far (the last 5 000). */
  lines: LogLine[];
  /** Null while running. */
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  /** When the process was spawned and when it printed that it listens (ms since the epoch). */
  spawnedAt: number;
  readyAt: number | null;
  /** Where it listens (from its start-up line), once ready. */
  url: string | null;
  /** Sends the signal and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Resolves once the server printed "is listening" (rejects when it exits first or after `timeoutMs`). */
  ready(timeoutMs: number): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Spawns one server with `env` over a clean base (none of the product's variables leak in from the benchmark's environment). */
export function spawnInstance(options: { id: string; env: Record<string, string>; logDir: string }): ServerInstance {
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[name] !== undefined) base[name] = process.env[name]!;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: REPO,
    env: { ...base, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', INSTANCE_ID: options.id, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const file = createWriteStream(join(options.logDir, `${options.id}.log`), { flags: 'a' });
  const lines: LogLine[] = [];
  const readyWaiters: Array<() => void> = [];
  const collect = (stream: 'stdout' | 'stderr') => {
    let rest = '';
    child[stream]!.setEncoding('utf8');
    child[stream]!.on('data', (chunk: string) => {
      file.write(stream === 'stderr' ? chunk.replace(/^(?=.)/gm, '! ') : chunk);
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      const at = Date.now();
      for (const text of parts) {
        lines.push({ at, stream, text });
        const listening = /o365-health is listening on (\S+)/.exec(text);
        if (instance.readyAt === null && listening) {
          instance.readyAt = at;
          instance.url = listening[1]!;
          readyWaiters.splice(0).forEach((w) => w());
        }
      }
      if (lines.length > 6000) lines.splice(0, lines.length - 5000);
    });
  };
  collect('stdout');
  collect('stderr');
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      instance.exited = { code, signal };
      children.delete(child);
      file.end();
      readyWaiters.splice(0).forEach((w) => w());
      resolve();
    }),
  );
  const instance: ServerInstance = {
    id: options.id,
    pid: child.pid!,
    lines,
    exited: null,
    spawnedAt: Date.now(),
    readyAt: null,
    url: null,
    async kill(signal = 'SIGTERM') {
      if (instance.exited) return;
      child.kill(signal);
      await exit;
    },
    async ready(timeoutMs) {
      if (instance.readyAt === null && !instance.exited) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          readyWaiters.push(resolve);
          timer = setTimeout(resolve, timeoutMs);
        });
        clearTimeout(timer);
      }
      if (instance.readyAt !== null) return;
      const tail = lines.slice(-20).map((l) => l.text).join('\n');
      throw new Error(`instance ${options.id} ${instance.exited ? `exited (${JSON.stringify(instance.exited)})` : `did not start within ${timeoutMs} ms`}:\n${tail}`);
    },
  };
  return instance;
}

/** SIGTERM (the server gives its leases up and closes), then SIGKILL for any still running after `graceMs`. */
export async function stopInstances(instances: ServerInstance[], graceMs = 15_000): Promise<void> {
  await Promise.all(
    instances.map(async (instance) => {
      if (instance.exited) return;
      const timer = setTimeout(() => void instance.kill('SIGKILL'), graceMs);
      try {
        await instance.kill('SIGTERM');
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
