/**
 * `<o365-message-center>`: one story per state, answered by the fake API (stories/support/mock-api.ts),
 * whose dates move with the clock, so the act-by dates keep their urgency (overdue, within 7 days, later).
 * `parameters.o365.expectPart` names the shadow part each story must show (scripts/check-stories.ts).
 */
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../widgets/message-center/message-center.js';
import { argTypesFor, baseArgs, expectPart, renderElement, shadowQuery, type O365StoryParameters } from './support/element.js';

const TAG = 'o365-message-center';

const meta = {
  title: 'Widgets/<o365-message-center>',
  component: TAG,
  render: renderElement(TAG),
  args: baseArgs('loaded'),
  argTypes: argTypesFor(TAG, { category: ['', 'preventOrFixIssue', 'planForChange', 'stayInformed'] }),
  parameters: { o365: { expectPart: 'list' } satisfies O365StoryParameters },
} satisfies Meta;

export default meta;
type Story = StoryObj;

/** Contoso's Message center: planned changes, retirements and new features, with their act-by dates and tags. */
export const Loaded: Story = {};

/** A post opened: its summary, roadmap features and platforms, the body (the server's sanitised HTML) and its admin center link. */
export const Opened: Story = {
  parameters: expectPart('facts'),
  play: async ({ canvasElement }) => {
    (await shadowQuery(canvasElement, TAG, '[part~="item"] button')).click();
    await shadowQuery(canvasElement, TAG, '[part~="facts"]');
  },
};

/** Only the posts that ask admins to act by a date (`action-required`): overdue, due within 7 days, later. */
export const ActionRequired: Story = { args: { ...baseArgs('loaded'), 'action-required': true }, parameters: expectPart('act-by') };

/** Major changes one has to plan for (`category`, `major`). */
export const MajorChanges: Story = { args: { ...baseArgs('loaded'), category: 'planForChange', major: true }, parameters: expectPart('major') };

/** Three per page (`max-items`): "Show more" loads the next. */
export const ShowMore: Story = { args: { ...baseArgs('loaded'), 'max-items': 3 }, parameters: expectPart('more') };

/** No post matches the filters: a way to clear them. */
export const NoMatch: Story = { args: { ...baseArgs('loaded'), category: 'stayInformed', 'action-required': true }, parameters: expectPart('clear') };

/** Waiting for the API (it never answers here). */
export const Loading: Story = { args: baseArgs('loading'), parameters: expectPart('loading') };

/** A connected tenant whose first sync has not brought any post yet. */
export const Empty: Story = { args: baseArgs('empty'), parameters: expectPart('empty') };

/** The API fails (500): the error state with Retry. */
export const ApiError: Story = { name: 'Error', args: baseArgs('error'), parameters: expectPart('error') };

/** The API key was revoked (401). */
export const KeyRevoked: Story = { args: baseArgs('unauthorized'), parameters: expectPart('error') };

/** The server cannot be reached (network failure). */
export const Unreachable: Story = { args: baseArgs('unreachable'), parameters: expectPart('error') };

/** The last successful sync is old: "as of …" and a Stale badge. */
export const Stale: Story = { args: baseArgs('stale'), parameters: expectPart('stale') };

/** No tenant connected yet: the hint for admins. */
export const NoTenancy: Story = { args: baseArgs('no-tenancy'), parameters: expectPart('no-tenant') };

/** Fabrikam's consent was removed in Microsoft Entra: the re-authorization notice above its posts. */
export const NeedsReauthorization: Story = {
  args: { ...baseArgs('reauth'), tenant: 'fabrikam.onmicrosoft.com' },
  parameters: expectPart('reauth'),
};

/** widgets/themes/dark.css on a dark page. */
export const DarkTheme: Story = {
  args: baseArgs('loaded'),
  globals: { theme: 'dark', backgrounds: { value: 'dark' } },
  parameters: expectPart('list'),
};

/** A 240 px dashboard tile with a post opened (its details carry a long blog link). */
export const CompactTile: Story = {
  args: { ...baseArgs('loaded'), 'action-required': true },
  parameters: expectPart('facts', 240),
  play: async ({ canvasElement }) => {
    (await shadowQuery(canvasElement, TAG, '[data-message="MC781002"]')).click();
    await shadowQuery(canvasElement, TAG, '[part~="facts"]');
  },
};
