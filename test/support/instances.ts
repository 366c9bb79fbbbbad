/**
 * Real server processes for scale-out tests: `node --import tsx server/main.ts`, exactly what
 * `npm start` runs (without the widget build), each a separate operating-system process with its
 * own environment, ports and PID, so `SIGKILL` is a real crash. Every line the process writes is
 * kept (the server prefixes its lines with `[INSTANCE_ID]`), and every child is killed with
 * `SIGKILL` when the test process exits, also when a hook never ran.
 *
 * ```ts
 * const a = await startInstance({ id: 'a', port: await freePort(), env: { DATABASE_URL, … } });
 * await a.kill('SIGKILL');
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface LogLine {
  /** When the test process read the line (ms since the epoch). */
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface Instance {
  id: string;
  /** http://127.0.0.1:<port>, where this process listens. */
  url: string;
  pid: number;
  /** Every line written so far, in order. */
  lines: LogLine[];
  /** The lines as one text (for failure messages). */
  output(): string;
  /** Null while running; the exit code or signal once it ended. */
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  /** Sends the signal and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const children = new Set<ChildProcess>();
/** Every instance spawned and not yet exited, also those still starting. */
const running = new Set<Instance>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A port that was free a moment ago on 127.0.0.1 (the process that binds it next usually gets it). */
export function freePort(): Promise<number> {
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

/**
 * Spawns one server with `env` over a clean base (PATH, HOME and the like from this process; none
 * of the product's variables leak in from the test's environment) and waits until `GET /healthz`
 * answers 200. Throws, with the process's output, if it exits first or is not up in `timeoutMs`.
 */
export async function startInstance(options: { id: string; port: number; env: Record<string, string>; timeoutMs?: number }): Promise<Instance> {
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[name] !== undefined) base[name] = process.env[name]!;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: REPO,
    env: { ...base, HOST: '127.0.0.1', PORT: String(options.port), INSTANCE_ID: options.id, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: LogLine[] = [];
  const collect = (stream: 'stdout' | 'stderr') => {
    let rest = '';
    child[stream]!.setEncoding('utf8');
    child[stream]!.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      const at = Date.now();
      for (const text of parts) lines.push({ at, stream, text });
    });
    child[stream]!.on('end', () => {
      if (rest) lines.push({ at: Date.now(), stream, text: rest });
      rest = '';
    });
  };
  collect('stdout');
  collect('stderr');
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      instance.exited = { code, signal };
      children.delete(child);
      running.delete(instance);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const instance: Instance = {
    id: options.id,
    url,
    pid: child.pid!,
    lines,
    output: () => lines.map((l) => `${l.stream === 'stderr' ? '! ' : ''}${l.text}`).join('\n'),
    exited: null,
    async kill(signal = 'SIGTERM') {
      if (instance.exited) return;
      child.kill(signal);
      await exit;
    },
  };
  running.add(instance);

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (instance.exited) throw new Error(`instance ${options.id} exited (${JSON.stringify(instance.exited)}) before answering /healthz:\n${instance.output()}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return instance;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await instance.kill('SIGKILL');
      throw new Error(`instance ${options.id} did not answer /healthz within ${options.timeoutMs ?? 60_000} ms:\n${instance.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Ends the given instances, by default every one spawned here that is still running (also one
 * whose start failed half-way): SIGTERM, then SIGKILL for any still there after `graceMs`.
 */
export async function stopInstances(instances: Array<Instance | undefined> = [...running], graceMs = 5000): Promise<void> {
  await Promise.all(
    instances.map(async (instance) => {
      if (!instance || instance.exited) return;
      const timer = setTimeout(() => void instance.kill('SIGKILL'), graceMs);
      try {
        await instance.kill('SIGTERM');
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
