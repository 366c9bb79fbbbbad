/**
 * `<o365-oauth-settings>`: one story per state, answered by the fake API (stories/support/mock-api.ts).
 * Adding opens a popup with an empty page (there is no Microsoft here); deleting works on the
 * story's fake data until the page is reloaded.
 * `parameters.o365.expectPart` names the shadow part each story must show (scripts/check-stories.ts).
 */
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../widgets/oauth-settings/oauth-settings.js';
import { argTypesFor, baseArgs, renderElement, type O365StoryParameters, expectPart } from './support/element.js';

const TAG = 'o365-oauth-settings';

const meta = {
  title: 'Widgets/<o365-oauth-settings>',
  component: TAG,
  render: renderElement(TAG),
  args: baseArgs('loaded'),
  argTypes: argTypesFor(TAG),
  parameters: { o365: { expectPart: 'list' } satisfies O365StoryParameters },
} satisfies Meta;

export default meta;
type Story = StoryObj;

/** An admin key: the Add form and two active authorizations. */
export const Loaded: Story = {};

/** Waiting for the API (it never answers here). */
export const Loading: Story = { args: baseArgs('loading'), parameters: expectPart('loading') };

/** No authorization yet (no tenancy): only the Add form. */
export const NoTenancy: Story = { args: baseArgs('no-tenancy'), parameters: expectPart('empty') };

/** Authorized, but the first sync has not happened yet ("Last successful sync: Not yet"). */
export const FirstSyncPending: Story = { args: baseArgs('empty'), parameters: expectPart('list') };

/** The API fails (500): the error state with Retry. */
export const ApiError: Story = { name: 'Error', args: baseArgs('error'), parameters: expectPart('error') };

/** The API key was revoked (401). */
export const KeyRevoked: Story = { args: baseArgs('unauthorized'), parameters: expectPart('error') };

/** Fabrikam needs re-authorization (AADSTS65001: consent removed): the reason and a Re-authorize button. */
export const NeedsReauthorization: Story = { args: baseArgs('reauth'), parameters: expectPart('list') };

/** A viewer key (403 on /api/authorizations): the connected tenants, read-only. */
export const Viewer: Story = { args: baseArgs('viewer'), parameters: expectPart('read-only') };

/** widgets/themes/dark.css on a dark page, with the re-authorization state. */
export const DarkTheme: Story = {
  args: baseArgs('reauth'),
  globals: { theme: 'dark', backgrounds: { value: 'dark' } },
  parameters: expectPart('list'),
};

/** A 240 px tile. */
export const CompactTile: Story = { args: baseArgs('reauth'), parameters: expectPart('list', 240) };
