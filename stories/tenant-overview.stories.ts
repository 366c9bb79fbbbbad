/**
 * `<o365-tenant-overview>`: one story per state, answered by the fake API (stories/support/mock-api.ts).
 * `parameters.o365.expectPart` names the shadow part each story must show (scripts/check-stories.ts).
 */
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../widgets/tenant-overview/tenant-overview.js';
import { argTypesFor, baseArgs, expectPart, renderElement, shadowQuery, type O365StoryParameters } from './support/element.js';

const TAG = 'o365-tenant-overview';

const meta = {
  title: 'Widgets/<o365-tenant-overview>',
  component: TAG,
  render: renderElement(TAG),
  args: baseArgs('loaded'),
  argTypes: argTypesFor(TAG),
  parameters: { o365: { expectPart: 'list' } satisfies O365StoryParameters },
} satisfies Meta;

export default meta;
type Story = StoryObj;

/** Contoso (an incident and an advisory) and Fabrikam (an advisory), worst first; Contoso marked, as the following widgets show it. */
export const Loaded: Story = {};

/** Nine tenants: a search box, a tenant to re-authorize (stale), one never synced, and Contoso's Exchange incident in three of them. */
export const ManyTenants: Story = { args: baseArgs('many-tenants'), parameters: expectPart('search') };

/** The incident that reaches three tenants, opened: the labels of those tenants. */
export const SharedIncidentOpened: Story = {
  args: baseArgs('many-tenants'),
  parameters: expectPart('affected-tenants'),
  play: async ({ canvasElement }) => {
    (await shadowQuery(canvasElement, TAG, '[part~="incident"] button')).click();
    await shadowQuery(canvasElement, TAG, '[part~="affected-tenants"]');
  },
};

/** "wood" typed in the search box: one tenant of nine. */
export const Searched: Story = {
  args: baseArgs('many-tenants'),
  parameters: expectPart('list'),
  play: async ({ canvasElement }) => {
    const input = (await shadowQuery(canvasElement, TAG, '[part~="search-input"]')) as HTMLInputElement;
    input.value = 'wood';
    input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  },
};

/** Fabrikam selected (click): it is marked, and widgets with `tenant="selected"` show it. */
export const Selected: Story = {
  // Its own API base: the selection lasts for the session, and the other stories start without one.
  args: baseArgs('viewer'),
  parameters: expectPart('selected'),
  play: async ({ canvasElement }) => {
    await shadowQuery(canvasElement, TAG, '[part~="list"]');
    const el = canvasElement.querySelector(TAG)!;
    [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="tenant"]')].find((b) => b.textContent?.includes('fabrikam'))!.click();
  },
};

/** `compact`: tenants as tiles, whatever the width. */
export const Compact: Story = { args: { ...baseArgs('many-tenants'), compact: true }, parameters: expectPart('list') };

/** A 240 px tile: one tile per tenant, stacked. */
export const NarrowTile: Story = { args: baseArgs('many-tenants'), parameters: expectPart('list', 240) };

/** Every tenant healthy. */
export const AllHealthy: Story = { args: baseArgs('healthy'), parameters: expectPart('list') };

/** Connected tenants before their first sync: "No data". */
export const FirstSync: Story = { args: baseArgs('empty'), parameters: expectPart('list') };

/** Fabrikam's consent was removed in Microsoft Entra: marked "Needs re-authorization" and stale. */
export const NeedsReauthorization: Story = { args: baseArgs('reauth'), parameters: expectPart('reauth') };

/** Waiting for the API (it never answers here). */
export const Loading: Story = { args: baseArgs('loading'), parameters: expectPart('loading') };

/** No tenant connected yet: the hint for admins. */
export const NoTenancy: Story = { args: baseArgs('no-tenancy'), parameters: expectPart('no-tenant') };

/** The API fails (500): the error state with Retry. */
export const ApiError: Story = { name: 'Error', args: baseArgs('error'), parameters: expectPart('error') };

/** The API key was revoked (401). */
export const KeyRevoked: Story = { args: baseArgs('unauthorized'), parameters: expectPart('error') };

/** The server cannot be reached (network failure). */
export const Unreachable: Story = { args: baseArgs('unreachable'), parameters: expectPart('error') };

/** widgets/themes/dark.css on a dark page. */
export const DarkTheme: Story = { args: baseArgs('many-tenants'), globals: { theme: 'dark', backgrounds: { value: 'dark' } }, parameters: expectPart('list') };
