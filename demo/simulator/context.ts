/** What every route module of the simulator gets: its state, data, key and clock. */
import type { HttpBindings } from '@hono/node-server';
import type { Context, Hono } from 'hono';
import type { SimulatorClock } from './clock.js';
import type { WaitingRoom } from './holds.js';
import type { World } from './scenario.js';
import type { SimulatorState } from './state.js';
import type { TokenSigner } from './tokens.js';

/** Per-request facts the request log needs. */
export interface RequestMeta {
  /** The tenant a Graph or token call concerned, once known. */
  tenantId: string | null;
  /** Whether the call goes into `/_simulator/requests` (Graph and token calls). */
  logged: boolean;
  /** True when the connection was closed without an answer (a `hang`, or a wait ended by close); logged as status 0. */
  unanswered?: boolean;
}

/** Hono environment of the simulator app; the Node bindings are absent when hosted elsewhere. */
export interface SimEnv {
  Bindings: Partial<HttpBindings>;
  Variables: { meta: RequestMeta };
}

/** The simulator's Hono app type. */
export type SimApp = Hono<SimEnv>;
/** The simulator's Hono context type. */
export type SimContext = Context<SimEnv>;

/** Dependencies shared by the route modules. */
export interface SimDeps {
  state: SimulatorState;
  world: World;
  signer: TokenSigner;
  clock: SimulatorClock;
  /** Graph requests a `delay`, `hold` or `hang` fault keeps waiting. */
  waiting: WaitingRoom;
}

/** The origin the client used to reach the simulator (so links work for localhost and 127.0.0.1). */
export function originOf(c: SimContext): string {
  return new URL(c.req.url).origin;
}
