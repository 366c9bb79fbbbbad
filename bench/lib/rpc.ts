/**
 * Child processes for the benchmark, driven over Node's IPC channel.
 *
 * The parent forks a TypeScript file under tsx (`node --import tsx`), then calls named commands
 * on it; the child answers each call. Every child has a watchdog (it exits by itself after
 * `maxMs`) and exits when the parent goes away, so no load outlives the benchmark.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Call {
  id: number;
  cmd: string;
  payload: unknown;
}
type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
/** A message a child sends on its own (progress lines). */
interface Note {
  note: string;
}

export interface Child {
  process: ChildProcess;
  /** Runs `cmd` in the child; rejects after `timeoutMs` or when the child dies. */
  call<T = unknown>(cmd: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to exit, then kills it (by its pid) if it has not after 5 s. */
  stop(): Promise<void>;
}

/**
 * Forks `script` (relative to the repository root) under tsx.
 * @param options.stdout `ignore` sends the child's stdout to /dev/null (the server's request log).
 */
export function startChild(
  script: string,
  options: { args?: string[]; stdout?: 'inherit' | 'ignore'; nodeArgs?: string[]; onNote?: (line: string) => void } = {},
): Child {
  const child = fork(`${REPO_ROOT}/${script}`, options.args ?? [], {
    cwd: REPO_ROOT,
    // BENCH_PROFILE_DIR=<dir>: every child writes a V8 CPU profile there when it exits.
    execArgv: ['--import', 'tsx', ...(options.nodeArgs ?? []), ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [])],
    stdio: ['ignore', options.stdout ?? 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let exited: string | null = null;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  child.on('message', (message: Reply | Note) => {
    if ('note' in message) {
      options.onNote?.(message.note);
      return;
    }
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(`${script}: ${message.error}`));
  });
  child.once('exit', (code, signal) => {
    exited = `${script} exited (${signal ?? code})`;
    for (const waiter of pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(exited));
    }
    pending.clear();
  });

  return {
    process: child,
    call<T>(cmd: string, payload?: unknown, timeoutMs = 60_000): Promise<T> {
      if (exited) return Promise.reject(new Error(exited));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${script}: '${cmd}' took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        child.send({ id, cmd, payload } satisfies Call);
      });
    },
    async stop() {
      if (exited) return;
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => {
        if (!exited && child.pid) process.kill(child.pid, 'SIGKILL');
      }, 5000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/** Child side: answers the parent's calls with `handlers`; exits after `maxMs` or when the parent leaves. */
export function serveCommands(handlers: Record<string, (payload: any) => unknown>, options: { maxMs: number; onExit?: () => Promise<void> | void }): void {
  if (!process.send) throw new Error('This file is a benchmark child process; run `npm run bench`.');
  let leaving = false;
  const leave = async (code: number) => {
    if (leaving) return;
    leaving = true;
    try {
      await options.onExit?.();
    } finally {
      process.exit(code);
    }
  };
  setTimeout(() => {
    console.error(`benchmark child ${process.argv[1]}: watchdog fired after ${options.maxMs} ms, exiting`);
    void leave(3);
  }, options.maxMs).unref();
  process.on('disconnect', () => void leave(0));
  process.on('message', async (message: Call) => {
    const handler = handlers[message.cmd];
    let reply: Reply;
    try {
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      reply = { id: message.id, ok: true, result: await handler(message.payload) };
    } catch (err) {
      reply = { id: message.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    if (process.connected) process.send!(reply);
  });
}

/** Child side: a progress line for the parent to print. */
export function note(line: string): void {
  if (process.connected) process.send!({ note: line } satisfies Note);
}
