/**
 * The data layer: pure functions over a drizzle database opened by `openDatabase`.
 */
export * from './keys.js';
export * from './sync.js';
export * from './tenants.js';
