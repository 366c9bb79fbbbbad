/**
 * What a person does in the demo portal, as Playwright steps. Locators go by role and accessible
 * name (they pierce the widgets' shadow roots); waits are condition-based, never fixed sleeps.
 */
import type { Locator, Page } from 'playwright-core';

/** Generous but bounded waits for UI changes driven by the 2-second poll. */
export const UI_TIMEOUT = 15_000;

export const settingsElement = (page: Page) => page.locator('o365-oauth-settings');

/** The list item of an authorization in `<o365-oauth-settings>` (by its label, exactly). */
export function authorizationItem(page: Page, label: string): Locator {
  const settings = settingsElement(page);
  return settings
    .getByRole('listitem')
    .filter({ has: page.locator('.item-label', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }) });
}

/**
 * In `<o365-oauth-settings>`: starts adding (or re-authorizing) and walks the simulated Microsoft
 * pages in the popup: pick the admin account, then Accept or Cancel. Resolves when the popup closed.
 */
export async function consentInPopup(page: Page, start: () => Promise<void>, adminUpn: string, decision: 'Accept' | 'Cancel' = 'Accept'): Promise<void> {
  const popupEvent = page.waitForEvent('popup', { timeout: UI_TIMEOUT });
  await start();
  const popup = await popupEvent;
  await popup.getByRole('button', { name: new RegExp(adminUpn.replace(/[.]/g, '\\.')) }).click({ timeout: UI_TIMEOUT });
  // The consent page names the app and the permissions.
  await popup.getByText('ServiceHealth.Read.All').first().waitFor({ timeout: UI_TIMEOUT });
  const closed = popup.waitForEvent('close', { timeout: UI_TIMEOUT });
  await popup.getByRole('button', { name: decision, exact: true }).click();
  await closed;
}

/** Adds an authorization through the settings element's form. */
export async function addAuthorization(page: Page, label: string, adminUpn: string, decision: 'Accept' | 'Cancel' = 'Accept'): Promise<void> {
  const settings = settingsElement(page);
  await settings.getByRole('textbox', { name: 'Label' }).fill(label);
  await consentInPopup(page, () => settings.getByRole('button', { name: 'Add', exact: true }).click(), adminUpn, decision);
}

/** Deletes an authorization with the trash button and the in-element confirmation. */
export async function deleteAuthorization(page: Page, label: string): Promise<void> {
  const settings = settingsElement(page);
  await settings.getByRole('button', { name: `Delete ${label}`, exact: true }).click();
  const confirm = settings.getByRole('group').filter({ hasText: `Delete the authorization “${label}”?` });
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  await authorizationItem(page, label).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
}

/** Sets `refresh-interval` (seconds) on every o365-health widget of the page. */
export async function setRefreshInterval(page: Page, seconds: number): Promise<void> {
  await page.locator('o365-service-health, o365-service-messages, o365-oauth-settings, o365-tenant-overview, o365-message-center').evaluateAll(
    (els, s) => els.forEach((el) => el.setAttribute('refresh-interval', String(s))),
    seconds,
  );
}

/** Serves /demo/config.js with another org's key: the demo portal as that org's page. */
export async function useApiKey(page: Page, apiKey: string): Promise<void> {
  await page.route('**/demo/config.js', (route) =>
    route.fulfill({
      contentType: 'text/javascript; charset=utf-8',
      body: `window.O365Health = Object.assign(window.O365Health || {}, ${JSON.stringify({ apiKey, simulated: true })});\n`,
    }),
  );
}

/** Width and height of a PNG (from its IHDR chunk). */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.toString('latin1', 1, 4) !== 'PNG') throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
