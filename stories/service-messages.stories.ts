/**
 * `<o365-service-messages>`: one story per state, answered by the fake API (stories/support/mock-api.ts).
 * `parameters.o365.expectPart` names the shadow part each story must show (scripts/check-stories.ts).
 */
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../widgets/service-messages/service-messages.js';
import { argTypesFor, baseArgs, renderElement, shadowQuery, type O365StoryParameters, expectPart } from './support/element.js';

const TAG = 'o365-service-messages';

const meta = {
  title: 'Widgets/<o365-service-messages>',
  component: TAG,
  render: renderElement(TAG),
  args: baseArgs('loaded'),
  argTypes: argTypesFor(TAG, { state: ['active', 'resolved', 'all'], classification: ['', 'incident', 'advisory'] }),
  parameters: { o365: { expectPart: 'list' } satisfies O365StoryParameters },
} satisfies Meta;

export default meta;
type Story = StoryObj;

/** Contoso's active incident and advisory; open one to see its post history. */
export const Loaded: Story = {};

/** The Exchange Online incident opened: its post history (the server's sanitised HTML) as a timeline. */
export const Opened: Story = {
  parameters: expectPart('timeline'),
  play: async ({ canvasElement }) => {
    (await shadowQuery(canvasElement, TAG, '[part~="item"] button')).click();
    await shadowQuery(canvasElement, TAG, '[part~="timeline"]');
  },
};

/** Everything, resolved history included (`state="all"`), three per page ("Show more"). */
export const History: Story = { args: { ...baseArgs('loaded'), state: 'all', 'max-items': 3 }, parameters: expectPart('more') };

/** All services healthy: nothing active. */
export const AllHealthy: Story = { args: baseArgs('healthy'), parameters: expectPart('empty') };

/** Several incidents and advisories active at once. */
export const Degraded: Story = { args: baseArgs('degraded'), parameters: expectPart('list') };

/** Only incidents of one service (`classification`, `service`). */
export const Filtered: Story = {
  args: { ...baseArgs('degraded'), classification: 'incident', service: 'Exchange Online' },
  parameters: expectPart('list'),
};

/** Waiting for the API (it never answers here). */
export const Loading: Story = { args: baseArgs('loading'), parameters: expectPart('loading') };

/** A connected tenant with no messages retrieved yet. */
export const Empty: Story = { args: { ...baseArgs('empty'), state: 'all' }, parameters: expectPart('empty') };

/** The API fails (500): the error state with Retry. */
export const ApiError: Story = { name: 'Error', args: baseArgs('error'), parameters: expectPart('error') };

/** The API key was revoked (401). */
export const KeyRevoked: Story = { args: baseArgs('unauthorized'), parameters: expectPart('error') };

/** The last successful sync is old: "as of …" and a Stale badge. */
export const Stale: Story = { args: baseArgs('stale'), parameters: expectPart('stale') };

/** No tenant connected yet: the hint for admins. */
export const NoTenancy: Story = { args: baseArgs('no-tenancy'), parameters: expectPart('no-tenant') };

/** Fabrikam's consent was removed in Microsoft Entra: the re-authorization notice. */
export const NeedsReauthorization: Story = {
  args: { ...baseArgs('reauth'), tenant: 'fabrikam.onmicrosoft.com' },
  parameters: expectPart('reauth'),
};

/** A status the widgets do not know (Fabrikam's `plannedMaintenance`): shown as "Unknown status (plannedMaintenance)", never dropped. */
export const UnknownStatus: Story = {
  args: { ...baseArgs('unknown-status'), tenant: 'fabrikam.onmicrosoft.com' },
  parameters: expectPart('status'),
};

/** widgets/themes/dark.css on a dark page. */
export const DarkTheme: Story = {
  args: baseArgs('degraded'),
  globals: { theme: 'dark', backgrounds: { value: 'dark' } },
  parameters: expectPart('list'),
};

/** A 240 px dashboard tile. */
export const CompactTile: Story = { args: { ...baseArgs('degraded'), 'max-items': 5 }, parameters: expectPart('list', 240) };
