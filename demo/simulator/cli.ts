/**
 * `npm run simulator -- --port 9999 [--host H] [--seed N] [--no-live] [--state FILE]`
 * Runs the Microsoft 365 simulator alone, in live mode unless `--no-live`. With `--state`, what
 * the simulated cloud knows (apps, consents, refresh tokens, signing key, changed data) is kept
 * in FILE across restarts (see `SimulatorOptions.stateFile`).
 */
import { parseArgs } from 'node:util';
import { BUILT_IN_APP, DEFAULT_SEED, startSimulator } from './index.js';

const usage = 'usage: npm run simulator -- [--port N] [--host H] [--seed N] [--no-live] [--state FILE]';

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

let values: { port?: string; host?: string; seed?: string; 'no-live'?: boolean; state?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'no-live': { type: 'boolean' },
      state: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const port = values.port === undefined ? 9999 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got '${values.port}'`);
const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
if (!Number.isInteger(seed)) fail(`--seed must be an integer, got '${values.seed}'`);

let sim: Awaited<ReturnType<typeof startSimulator>>;
try {
  sim = await startSimulator({ port, host: values.host ?? '127.0.0.1', seed, live: !values['no-live'], ...(values.state ? { stateFile: values.state } : {}) });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

const lines = [
  `Microsoft 365 simulator listening on ${sim.url} (seed ${seed}, ${values['no-live'] ? 'static' : 'live'} mode)`,
  sim.stateFile.file === null ? 'State: not kept (use --state FILE to keep it across restarts)' : `State: ${sim.stateFile.file} (${sim.stateFile.loaded ? 'loaded' : 'new'})`,
  '',
  'Tenants:',
  ...sim.tenants.flatMap((t) => [`  ${t.displayName}  ${t.domain}  ${t.tenantId}`, ...t.admins.map((a) => `    admin: ${a.upn} (${a.name})`)]),
  '',
  'Built-in app (used by the server in simulator mode):',
  `  client id:     ${BUILT_IN_APP.clientId}`,
  `  client secret: ${BUILT_IN_APP.clientSecret}`,
  '  redirect URI:  http://localhost/oauth/callback (any port)',
  '',
  `Authorize:  ${sim.url}/organizations/oauth2/v2.0/authorize`,
  `Token:      ${sim.url}/{tenant}/oauth2/v2.0/token`,
  `Graph:      ${sim.url}/v1.0/admin/serviceAnnouncement/healthOverviews`,
  `Control:    ${sim.url}/_simulator/tenants`,
  '',
];
console.log(lines.join('\n'));

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the simulator`);
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
