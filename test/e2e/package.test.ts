/**
 * The widget package as a portal developer meets it: `npm pack --workspace widgets`, the tarball
 * installed into an empty Vite app (nothing compiled, no server package pulled in), type-checked
 * with TypeScript from the package's own types, built with Vite, and rendered in Chromium from
 * another origin with live data from the server as `npm start` runs it.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from './support/browser.js';
import { ROOT, startProduct, type Product } from './support/product.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const ROOT_PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };

function sh(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function ok(command: string, args: string[], cwd: string) {
  const r = await sh(command, args, cwd);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Every installed package folder under node_modules (scoped ones as @scope/name). */
function installedPackages(app: string): string[] {
  const root = join(app, 'node_modules');
  const names: string[] = [];
  for (const entry of readdirSync(root)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) for (const sub of readdirSync(join(root, entry))) names.push(`${entry}/${sub}`);
    else names.push(entry);
  }
  return names.sort();
}

let work: string;
let app: string;
let tarball: string;
let packed: { filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'o365-health-package-'));
  app = join(work, 'portal');
  mkdirSync(app);
  const pack = await ok(NPM, ['pack', '--workspace', 'widgets', '--pack-destination', work, '--json'], ROOT);
  // The prepack build prints first (in colour when the runner forces it, so a bare `[` may be an
  // escape sequence); npm's JSON report is the part that starts on a line holding only `[`.
  const report = /^\[\s*$/m.exec(pack.stdout);
  if (!report) throw new Error(`npm pack printed no JSON report:\n${pack.stdout}`);
  [packed] = JSON.parse(pack.stdout.slice(report.index)) as (typeof packed)[];
  tarball = join(work, packed.filename);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack --workspace widgets', () => {
  it('ships the bundle, one typed module per element, the themes and the manifest, and nothing of the server', () => {
    const files = packed.files.map((f) => f.path);
    for (const path of [
      'package.json',
      'README.md',
      'LICENSE',
      'custom-elements.json',
      'dist/o365-health.js',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/lib/service-health/service-health.js',
      'dist/lib/service-health/service-health.d.ts',
      'dist/lib/service-messages/service-messages.js',
      'dist/lib/oauth-settings/oauth-settings.d.ts',
      'themes/light.css',
      'themes/dark.css',
    ]) {
      expect(files, path).toContain(path);
    }
    // Sources, build scripts and anything server-side stay home.
    expect(files.filter((f) => (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.startsWith('scripts/') || f.includes('server'))).toEqual([]);
    console.log(`package: ${packed.filename}, ${packed.size} B packed, ${packed.unpackedSize} B unpacked, ${files.length} files`);
  });

  it('installs into an empty app with Lit only, compiling nothing', async () => {
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'portal', private: true, type: 'module' }, null, 2));
    await ok(NPM, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], app);
    const installed = installedPackages(app);
    expect(installed).toEqual(['@lit-labs/ssr-dom-shim', '@lit/reactive-element', '@o365-health/widgets', '@types/trusted-types', 'lit', 'lit-element', 'lit-html']);
    for (const name of installed) {
      const manifest = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
      const hooks = Object.keys(manifest.scripts ?? {}).filter((s) => ['preinstall', 'install', 'postinstall'].includes(s));
      expect(hooks, `${name} has install scripts`).toEqual([]);
      expect(existsSync(join(app, 'node_modules', name, 'binding.gyp')), `${name} builds native code`).toBe(false);
    }
    const widgets = JSON.parse(readFileSync(join(app, 'node_modules', '@o365-health/widgets', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    console.log(`package dependencies: ${JSON.stringify(widgets.dependencies)}; installed: ${installed.join(', ')}`);
  }, 120_000);
});

describe('a Vite app importing one element module', () => {
  let product: Product;
  let site: Server;
  let browser: Browser;
  let siteOrigin: string;

  beforeAll(async () => {
    // The app's own tools, at the versions this repository pins.
    await ok(NPM, ['install', `vite@${ROOT_PACKAGE.dependencies.vite}`, `typescript@${ROOT_PACKAGE.devDependencies.typescript}`, '--save-dev', '--prefer-offline', '--no-audit', '--no-fund'], app);
    mkdirSync(join(app, 'src'));
    writeFileSync(
      join(app, 'src', 'main.ts'),
      `import '@o365-health/widgets/service-health';
import '@o365-health/widgets/themes/light.css';
import type { O365IssueSelectDetail } from '@o365-health/widgets';

const params = new URLSearchParams(location.search);
// Typed from the package alone: createElement gives O365ServiceHealth, with its properties.
const tile = document.createElement('o365-service-health');
tile.apiBase = params.get('api') ?? '';
tile.apiKey = params.get('key') ?? '';
const interval: number = tile.refreshInterval;
tile.addEventListener('o365-issue-select', (event) => {
  const detail: O365IssueSelectDetail = (event as CustomEvent<O365IssueSelectDetail>).detail;
  console.log(detail.issue.id, interval);
});
document.querySelector('main')!.append(tile);
`,
    );
    writeFileSync(join(app, 'src', 'env.d.ts'), "declare module '*.css';\n");
    writeFileSync(join(app, 'index.html'), '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Portal</title></head><body><main></main><script type="module" src="/src/main.ts"></script></body></html>\n');
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2023', 'DOM', 'DOM.Iterable'], strict: true, noEmit: true, skipLibCheck: false, types: [] }, include: ['src'] }, null, 2),
    );

    site = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const file = join(app, 'dist', path === '/' ? 'index.html' : path);
      if (!file.startsWith(join(app, 'dist')) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    product = await startProduct({ env: { ALLOWED_ORIGINS: siteOrigin } });
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await product?.stop();
    await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  });

  it('type-checks with the package\'s types alone', async () => {
    const r = await sh(join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);

  it('builds, and renders live data from the server on another origin', async () => {
    await ok(join(app, 'node_modules', '.bin', 'vite'), ['build'], app);
    const key = await product.demoKey();
    const page = await browser.newPage();
    await page.goto(`${siteOrigin}/?api=${encodeURIComponent(product.serverUrl)}&key=${encodeURIComponent(key)}`);
    const tile = page.locator('o365-service-health');
    await expect.poll(() => tile.locator('[part~="item"]').count(), { timeout: 20_000 }).toBeGreaterThan(5);
    // The rows live in the element's shadow root (Playwright's locators pierce it).
    expect((await tile.locator('[part~="item"]').allInnerTexts()).join('\n')).toContain('Exchange Online');
    expect(browser.problems, browser.problems.join('\n')).toEqual([]);
  }, 60_000);
});
