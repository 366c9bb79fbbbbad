/**
 * `<o365-service-uptime>`: one story per state, answered by the fake API (stories/support/mock-api.ts).
 * `parameters.o365.expectPart` names the shadow part each story must show (scripts/check-stories.ts).
 */
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../widgets/service-uptime/service-uptime.js';
import { argTypesFor, baseArgs, expectPart, renderElement, shadowQuery, type O365StoryParameters } from './support/element.js';

const TAG = 'o365-service-uptime';

const meta = {
  title: 'Widgets/<o365-service-uptime>',
  component: TAG,
  render: renderElement(TAG),
  args: baseArgs('loaded'),
  argTypes: argTypesFor(TAG),
  parameters: { o365: { expectPart: 'day' } satisfies O365StoryParameters },
} satisfies Meta;

export default meta;
type Story = StoryObj;

/** Contoso's 90 days: the first 29 before its earliest known data (no data), advisories in April, an interruption today. */
export const Loaded: Story = {};

/** The last 7 days (`days="7"`). */
export const LastWeek: Story = { args: { ...baseArgs('loaded'), days: 7 }, parameters: expectPart('day') };

/** Only some services (`services`). */
export const ChosenServices: Story = { args: { ...baseArgs('loaded'), services: 'Exchange, Microsoft 365 suite, Dynamics 365 Apps' }, parameters: expectPart('day') };

/** Today's Exchange Online interruption opened (Enter on its bar): its issue with the admin center link. */
export const DayOpened: Story = {
  args: baseArgs('loaded'),
  parameters: expectPart('issues'),
  play: async ({ canvasElement }) => {
    (await shadowQuery(canvasElement, TAG, '[part~="item"] [part~="day-interruption"]')).click();
    await shadowQuery(canvasElement, TAG, '[part~="issues"]');
  },
};

/** A 300 px tile: the last 30 days. */
export const NarrowTile: Story = { args: baseArgs('loaded'), parameters: expectPart('day', 300) };

/** Waiting for the API (it never answers here). */
export const Loading: Story = { args: baseArgs('loading'), parameters: expectPart('loading') };

/** A connected tenant whose first sync has not happened yet: no history. */
export const Empty: Story = { args: baseArgs('empty'), parameters: expectPart('empty') };

/** The API fails (500): the error state with Retry. */
export const ApiError: Story = { name: 'Error', args: baseArgs('error'), parameters: expectPart('error') };

/** The last successful sync is older than two poll intervals: "as of …" and a Stale badge. */
export const Stale: Story = { args: baseArgs('stale'), parameters: expectPart('stale') };

/** No tenant connected yet: the hint for admins. */
export const NoTenancy: Story = { args: baseArgs('no-tenancy'), parameters: expectPart('no-tenant') };

/** Fabrikam's consent was removed in Microsoft Entra: last known history, stale, with the re-authorization notice. */
export const NeedsReauthorization: Story = { args: { ...baseArgs('reauth'), tenant: 'fabrikam.onmicrosoft.com' }, parameters: expectPart('reauth') };

/** widgets/themes/dark.css on a dark page. */
export const DarkTheme: Story = { args: baseArgs('loaded'), globals: { theme: 'dark', backgrounds: { value: 'dark' } }, parameters: expectPart('day') };
