/** The time source of the simulator: every time decision (token expiry, issue lifecycle) reads it. */
export interface SimulatorClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The real clock. */
export const systemClock: SimulatorClock = { now: () => Date.now() };

/**
 * A clock that only moves when told to, for deterministic tests.
 * @param startMs the initial time in milliseconds since the epoch
 */
export function createManualClock(startMs: number): SimulatorClock & { advance(ms: number): void; set(ms: number): void } {
  let current = startMs;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
    set(ms: number) {
      current = ms;
    },
  };
}
