/** `/readme`: the README rendered by the server, which the demo's "Connect a real tenant" link opens. */
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { headingSlug, serverLink } from '../../server/readme.js';
import { testCore } from './support/core.js';
import { tempDatabase } from './support/db.js';

const database = tempDatabase();
afterAll(() => database.dispose());
const config = loadConfig({});
const app = createApp({ config, core: testCore(database.db, config), log: () => {} });

describe('/readme', () => {
  it('serves the README as HTML with GitHub-style heading anchors the demo links to', async () => {
    const res = await app.request('/readme');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).toContain('<h2 id="connect-a-real-tenant">Connect a real tenant</h2>');
    expect(page).toContain('<h2 id="json-api">JSON API</h2>');
    expect(page).toMatch(/<img src="docs\/screenshots\/dashboard-light\.png"/);
  });

  it('serves the screenshots the README shows, and nothing else from docs/', async () => {
    const png = await app.request('/docs/screenshots/dashboard-light.png');
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    for (const path of ['/docs/screenshots/..%2F..%2Fpackage.json', '/docs/screenshots/missing.png', '/docs/screenshots/notes.txt']) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });

  it('makes anchors like GitHub does', () => {
    expect(headingSlug('Connect a real tenant')).toBe('connect-a-real-tenant');
    expect(headingSlug('Bundlers (npm import)')).toBe('bundlers-npm-import');
    expect(headingSlug('`<o365-service-health>`')).toBe('o365-service-health');
    expect(headingSlug('"No Microsoft 365 tenant is connected yet"')).toBe('no-microsoft-365-tenant-is-connected-yet');
  });
});

describe('links between the served documents', () => {
  it('points the README\'s LICENSE and widget-package links at pages the server serves', async () => {
    const page = await (await app.request('/readme')).text();
    expect(page).toContain('<a href="/LICENSE">LICENSE</a>');
    expect(page).toContain('href="/readme/widgets"');
    const license = await app.request('/LICENSE');
    expect(license.status).toBe(200);
    expect(license.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await license.text()).toMatch(/^MIT License/);
    const widgets = await (await app.request('/readme/widgets')).text();
    expect(widgets).toContain('<h1 id="o365-healthwidgets">@o365-health/widgets</h1>');
    expect(widgets).toContain('href="/readme#embedding-the-widgets"');
  });

  it('rewrites only links to served documents', () => {
    expect(serverLink('LICENSE', 'README.md')).toBe('/LICENSE');
    expect(serverLink('../README.md#element-reference', 'widgets/README.md')).toBe('/readme#element-reference');
    expect(serverLink('./widgets/README.md', 'README.md')).toBe('/readme/widgets');
    expect(serverLink('https://example.com/LICENSE', 'README.md')).toBe('https://example.com/LICENSE');
    expect(serverLink('#json-api', 'README.md')).toBe('#json-api');
    expect(serverLink('docs/screenshots/x.png', 'README.md')).toBe('docs/screenshots/x.png');
  });
});
