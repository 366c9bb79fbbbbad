/**
 * Issue 5, step 7, and the demo portal itself: the dark theme (followed from the system, then
 * switched and remembered) and the 240 px tile render without horizontal overflow — checked with
 * scrollWidth/clientWidth, element boxes and screenshot sizes, never pixels. Plus what the portal
 * promises: landmarks, a skip link, labelled controls, no inline scripts (CSP), one script tag.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveFailureScreenshots, type Browser } from './support/browser.js';
import { startProduct, type Product } from './support/product.js';
import { pngSize, setRefreshInterval, UI_TIMEOUT } from './support/ui.js';

let product: Product;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // The system prefers dark: the portal follows it until the user chooses.
  [product, browser] = await Promise.all([startProduct(), launchBrowser({ colorScheme: 'dark' })]);
  page = await browser.newPage();
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && browser) console.error(`screenshots: ${(await saveFailureScreenshots(browser, ctx.task.name)).join(', ')}`);
});

afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

/**
 * Page functions run in Chromium, but this tsconfig (shared with the server) has no DOM lib:
 * they reach the DOM through the element they are given, typed loosely here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Dom = any;

/** Relative luminance (0 black … 1 white) of a CSS `rgb()`/`rgba()` colour. */
function luminance(color: string): number {
  const [r, g, b] = (color.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/**
 * Horizontal overflow of a widget: its own scroll width, and every rendered element of its shadow
 * tree that sticks out to the right of the host (text that does not wrap, wide rows, …).
 */
function overflowOf(widget: Locator) {
  return widget.evaluate((host: Dom) => {
    const box = host.getBoundingClientRect();
    const out: string[] = [];
    const walk = (root: Dom) => {
      for (const el of Array.from(root.querySelectorAll('*')) as Dom[]) {
        // Visually hidden live regions (1 px, clipped) are not layout.
        const r = el.getBoundingClientRect();
        if (r.width > 1 && (r.right > box.right + 0.5 || r.left < box.left - 0.5)) {
          out.push(`<${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}"> ${Math.round(r.left)}–${Math.round(r.right)} outside ${Math.round(box.left)}–${Math.round(box.right)}: ${(el.textContent ?? '').trim().slice(0, 60)}`);
        }
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(host.shadowRoot);
    const base = host.shadowRoot.querySelector('[part~="base"]');
    return {
      width: box.width,
      scrollWidth: host.scrollWidth,
      clientWidth: host.clientWidth,
      baseScrollWidth: base?.scrollWidth ?? 0,
      baseClientWidth: base?.clientWidth ?? 0,
      outside: out,
    };
  });
}

async function expectNoOverflow(widget: Locator): Promise<void> {
  const o = await overflowOf(widget);
  expect(o.outside, 'shadow DOM elements outside the widget').toEqual([]);
  expect(o.scrollWidth).toBeLessThanOrEqual(o.clientWidth);
  expect(o.baseScrollWidth).toBeLessThanOrEqual(o.baseClientWidth);
}

const documentOverflow = () => page.locator('html').evaluate((html) => ({ scrollWidth: html.scrollWidth, clientWidth: html.clientWidth }));

describe('the demo portal', () => {
  it('has landmarks, a skip link, labelled controls, the simulated-Microsoft note, and no inline scripts', async () => {
    const res = await fetch(product.demoUrl);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    // The README's way: one module script tag for the widgets (after the demo key's config.js).
    expect(html.match(/<script type="module" src="\/widgets\/o365-health\.js"><\/script>/g)).toHaveLength(1);
    expect(html.indexOf('/demo/config.js')).toBeLessThan(html.indexOf('/widgets/o365-health.js'));
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);

    await page.goto(product.demoUrl);
    await page.getByRole('banner').waitFor();
    await page.getByRole('navigation', { name: 'Portal' }).waitFor();
    await page.getByRole('main').waitFor();
    await page.getByRole('contentinfo').waitFor();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search the intranet' }).waitFor();

    const note = page.getByRole('complementary', { name: 'About this demo' });
    await note.getByText('Microsoft 365 is simulated here.').waitFor();
    expect(await note.getByRole('link', { name: 'Connect a real tenant' }).getAttribute('href')).toMatch(/#connect-a-real-tenant$/);

    // The skip link is the first stop and moves focus to the main content.
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    expect(await skip.evaluate((el: Dom) => el === el.ownerDocument.activeElement)).toBe(true);
    expect(await skip.isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.getByRole('main').evaluate((el: Dom) => el === el.ownerDocument.activeElement)).toBe(true);

    // The widgets loaded (as the demo org, with Contoso pre-authorized).
    await page.locator('o365-service-health').first().getByRole('heading', { name: /· contoso\.com/ }).waitFor({ timeout: UI_TIMEOUT });
  });

  it('7. follows the system’s dark theme, and the switch changes and remembers the theme of the portal and the widgets', async () => {
    await page.goto(product.demoUrl);
    const html = page.locator('html');
    const toggle = page.getByRole('switch', { name: 'Dark theme' });
    expect(await html.getAttribute('data-theme')).toBe('dark');
    expect(await toggle.getAttribute('aria-checked')).toBe('true');

    const wide = page.locator('o365-service-health').first();
    await wide.getByRole('list').first().waitFor({ timeout: UI_TIMEOUT });
    const colours = () =>
      wide.evaluate((el: Dom) => {
        const style = (node: Dom) => el.ownerDocument.defaultView.getComputedStyle(node);
        return {
          text: style(el.shadowRoot.querySelector('h2')).color as string,
          tile: style(el.closest('.tile')).backgroundColor as string,
          page: style(el.ownerDocument.body).backgroundColor as string,
        };
      });
    const dark = await colours();
    expect(luminance(dark.text)).toBeGreaterThan(0.6);
    expect(luminance(dark.tile)).toBeLessThan(0.1);
    expect(luminance(dark.page)).toBeLessThan(0.1);

    await toggle.click();
    expect(await html.getAttribute('data-theme')).toBe('light');
    const light = await colours();
    expect(luminance(light.text)).toBeLessThan(0.1);
    expect(luminance(light.tile)).toBeGreaterThan(0.9);

    // Remembered over the system's preference.
    await page.reload();
    expect(await html.getAttribute('data-theme')).toBe('light');
    await page.getByRole('switch', { name: 'Dark theme' }).click();
    await page.reload();
    expect(await html.getAttribute('data-theme')).toBe('dark');
  });

  it('7. in the dark theme the dashboard and a 240 px tile with a long incident render without horizontal overflow', async () => {
    // A long incident with an unbreakable token, in a service the small tile shows.
    const tenantId = (await product.tenants()).find((t) => t.domain === 'contoso.com')!.tenantId;
    const title = 'Teams desktop client fails to start with ErrorCode=0x80070005_CAA70004_Microsoft.Teams.Desktop.Client.Bootstrapper';
    const created = await product.control('POST', `/_simulator/tenants/${tenantId}/issues`, {
      title,
      service: 'Microsoft Teams',
      classification: 'incident',
      status: 'serviceDegradation',
      impactDescription: 'Users may see ErrorCode=0x80070005_CAA70004_Microsoft.Teams.Desktop.Client.Bootstrapper when starting Teams.',
      post: { html: '<p>We are reviewing https://status.example.com/incidents/0x80070005_CAA70004_Microsoft.Teams.Desktop.Client.Bootstrapper/details to isolate the cause.</p>' },
    });
    expect(created.status).toBe(201);

    await page.goto(product.demoUrl);
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await setRefreshInterval(page, 2);

    const tile = page.locator('.tile-glance');
    const small = tile.locator('o365-service-health');
    const teams = small.getByRole('button', { name: /^Microsoft Teams\b/ });
    await teams.waitFor({ timeout: 20_000 });
    await teams.click();
    await small.getByRole('button', { name: title }).waitFor({ timeout: UI_TIMEOUT });

    // The tile is 240 px wide and the widget stays inside it.
    const tileBox = (await tile.boundingBox())!;
    expect(Math.round(tileBox.width)).toBe(240);
    await expectNoOverflow(small);
    const smallBox = (await small.boundingBox())!;
    expect(smallBox.x).toBeGreaterThanOrEqual(tileBox.x);
    expect(smallBox.x + smallBox.width).toBeLessThanOrEqual(tileBox.x + tileBox.width);
    // Inside the tile's 15 px padding: 210 px wide, as a user sees it.
    expect(Math.round(smallBox.width)).toBe(210);

    // The wide widget and the messages feed with the long incident opened.
    const wide = page.locator('o365-service-health').first();
    await expectNoOverflow(wide);
    await expectNoOverflow(page.locator('o365-tenant-overview'));
    const feed = page.locator('o365-service-messages');
    await feed.getByRole('button', { name: title }).click({ timeout: UI_TIMEOUT });
    await feed.getByRole('list', { name: 'Post history' }).waitFor({ timeout: UI_TIMEOUT });
    await expectNoOverflow(feed);

    const d = await documentOverflow();
    expect(d.scrollWidth).toBeLessThanOrEqual(d.clientWidth);
    const full = pngSize(await page.screenshot({ fullPage: true }));
    expect(full.width).toBe(1280);
  });

  it('7. on a phone-sized screen nothing overflows either, the settings page included', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    try {
      await page.goto(product.demoUrl);
      await page.locator('o365-service-health').first().getByRole('list').first().waitFor({ timeout: UI_TIMEOUT });
      await page.locator('o365-tenant-overview').getByRole('list', { name: 'Tenants' }).waitFor({ timeout: UI_TIMEOUT });
      for (const el of await page.locator('o365-tenant-overview, o365-service-health, o365-service-messages, o365-message-center').all()) await expectNoOverflow(el);
      const d = await documentOverflow();
      expect(d.scrollWidth).toBeLessThanOrEqual(d.clientWidth);
      expect(pngSize(await page.screenshot({ fullPage: true })).width).toBe(375);

      await page.goto(new URL('settings.html', product.demoUrl).toString());
      const settings = page.locator('o365-oauth-settings');
      await settings.getByRole('heading', { name: 'Current authorizations' }).waitFor({ timeout: UI_TIMEOUT });
      await expectNoOverflow(settings);
      const s = await documentOverflow();
      expect(s.scrollWidth).toBeLessThanOrEqual(s.clientWidth);
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('raised no script errors, no CSP violations and no failed requests', () => {
    expect(browser.problems).toEqual([]);
  });
});
