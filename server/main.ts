/**
 * Start-up only: read the configuration, start the simulator when no Microsoft app is configured,
 * start the server, and shut down cleanly on SIGTERM/SIGINT.
 */
import { assertServerConfig, ConfigError, loadConfig, type Config } from './config.js';
import { startServer } from './server.js';
import { issueDemoKey, preauthorizeDemoTenant, simulatorModeFiles, startSimulatorFor } from './simulator-mode.js';
import type { RunningSimulator } from '../demo/simulator/index.js';

async function main() {
  let config: Config;
  try {
    config = loadConfig();
    assertServerConfig(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }

  let simulator: RunningSimulator | null = null;
  if (config.simulatorMode) {
    ({ config, simulator } = await startSimulatorFor(config, {
      port: process.env.SIMULATOR_PORT ? Number(process.env.SIMULATOR_PORT) : undefined,
      log: process.env.SIMULATOR_LOG === '1' ? (line) => console.log(`[simulator] ${line}`) : false,
    }));
  }

  let demoKey = '';
  const running = await startServer({
    config,
    ...(simulator ? { demoKey: () => demoKey } : {}),
  });

  if (simulator) {
    simulator.registerApp({
      clientId: running.config.microsoft!.clientId,
      clientSecret: running.config.microsoft!.clientSecret,
      redirectUris: [`${running.config.publicUrl}/oauth/callback`],
      displayName: 'O365 Health (simulator)',
    });
    const demo = await issueDemoKey(running.core, simulatorModeFiles(running.config.databasePath).demoKey);
    demoKey = demo.key;
    try {
      await preauthorizeDemoTenant({ core: running.core, orgId: demo.orgId, serverUrl: running.url, apiKey: demo.key, simulator, log: console.log });
    } catch (err) {
      console.error('simulator mode: could not pre-authorize a demo tenant:', (err as Error).message);
    }
  }

  const lines = [
    '',
    `o365-health is listening on ${running.url}`,
    ...(running.config.publicUrl === running.url ? [] : [`  public URL:   ${running.config.publicUrl} (PUBLIC_URL)`]),
    `  demo portal:  ${running.config.publicUrl}/demo/`,
    `  widgets:      ${running.config.publicUrl}/widgets/o365-health.js`,
    `  instance:     ${running.config.instanceId} (INSTANCE_ID)`,
    `  database:     ${running.config.databaseUrl ? redactUrl(running.config.databaseUrl) : running.config.databasePath}`,
    `  polling:      ${running.config.pollCron}`,
  ];
  if (simulator) {
    lines.push(
      `  Microsoft is SIMULATED: identity platform and Graph at ${simulator.url}`,
      `  simulated tenants: ${simulator.tenants.map((t) => t.domain).join(', ')}`,
      '  (set MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET to connect real Microsoft 365 tenants)',
    );
  }
  console.log(lines.join('\n') + '\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await running.close();
    await simulator?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error('o365-health could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});

/** A database URL as printed at start-up: without its password. */
function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
