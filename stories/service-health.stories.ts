/**
 * `<o365-service-health>`: one story per state, answered by the fake API (stories/support/mock-api.ts).
 * `parameters.o365.expectPart` names the shadow part each story must show (scripts/check-stories.ts).
 */
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../widgets/service-health/service-health.js';
import { argTypesFor, baseArgs, renderElement, shadowQuery, type O365StoryParameters, expectPart } from './support/element.js';

const TAG = 'o365-service-health';

const meta = {
  title: 'Widgets/<o365-service-health>',
  component: TAG,
  render: renderElement(TAG),
  args: baseArgs('loaded'),
  argTypes: argTypesFor(TAG),
  parameters: { o365: { expectPart: 'list' } satisfies O365StoryParameters },
} satisfies Meta;

export default meta;
type Story = StoryObj;

/** Contoso: an Exchange Online incident and a Microsoft 365 suite advisory; the rest healthy. */
export const Loaded: Story = {};

/** Every service healthy. */
export const AllHealthy: Story = { args: baseArgs('healthy'), parameters: expectPart('list') };

/** Several services degraded at once, worst first (an interruption outranks a degradation). */
export const Degraded: Story = { args: baseArgs('degraded'), parameters: expectPart('list') };

/** Only the services with problems (`hide-healthy`), the worst one expanded to its active issues. */
export const HideHealthy: Story = {
  args: { ...baseArgs('degraded'), 'hide-healthy': true },
  parameters: expectPart('issues'),
  play: async ({ canvasElement }) => {
    (await shadowQuery(canvasElement, TAG, '[part~="item"] button[aria-expanded]')).click();
    await shadowQuery(canvasElement, TAG, '[part~="issue"]');
  },
};

/** Waiting for the API (it never answers here). */
export const Loading: Story = { args: baseArgs('loading'), parameters: expectPart('loading') };

/** A connected tenant whose first sync has not happened yet. */
export const Empty: Story = { args: baseArgs('empty'), parameters: expectPart('empty') };

/** The API fails (500): the error state with Retry. */
export const ApiError: Story = { name: 'Error', args: baseArgs('error'), parameters: expectPart('error') };

/** The API key was revoked (401). */
export const KeyRevoked: Story = { args: baseArgs('unauthorized'), parameters: expectPart('error') };

/** The server cannot be reached (network failure, or CORS: ALLOWED_ORIGINS). */
export const Unreachable: Story = { args: baseArgs('unreachable'), parameters: expectPart('error') };

/** The last successful sync is older than two poll intervals: "as of …" and a Stale badge. */
export const Stale: Story = { args: baseArgs('stale'), parameters: expectPart('stale') };

/** No tenant connected yet: the hint for admins. */
export const NoTenancy: Story = { args: baseArgs('no-tenancy'), parameters: expectPart('no-tenant') };

/** Fabrikam's consent was removed in Microsoft Entra: last known data, stale, with the re-authorization notice. */
export const NeedsReauthorization: Story = {
  args: { ...baseArgs('reauth'), tenant: 'fabrikam.onmicrosoft.com' },
  parameters: expectPart('reauth'),
};

/** A tenant chosen by label (`tenant`), and only some services (`services`). */
export const ChosenServices: Story = {
  args: { ...baseArgs('loaded'), tenant: 'contoso.onmicrosoft.com', services: 'Exchange, Microsoft Teams, SharePoint' },
  parameters: expectPart('list'),
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

/** A 240 px dashboard tile with `compact`. */
export const CompactTile: Story = { args: { ...baseArgs('degraded'), compact: true }, parameters: expectPart('list', 240) };
