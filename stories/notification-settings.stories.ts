/**
 * `<o365-notification-settings>`: one story per state, answered by the fake API (stories/support/mock-api.ts,
 * whose channels come from test/widgets/support/fake-channels.ts): a signed webhook for incidents, a
 * Teams workflow whose target fails, a disabled mailbox. Adding, testing, editing, disabling and
 * deleting work on the story's fake data until the page is reloaded.
 * `parameters.o365.expectPart` names the shadow part each story must show (scripts/check-stories.ts).
 */
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../widgets/notification-settings/notification-settings.js';
import { argTypesFor, baseArgs, expectPart, renderElement, shadowQuery, type O365StoryParameters } from './support/element.js';

const TAG = 'o365-notification-settings';

const meta = {
  title: 'Widgets/<o365-notification-settings>',
  component: TAG,
  render: renderElement(TAG),
  args: baseArgs('loaded'),
  argTypes: argTypesFor(TAG, { live: ['', 'off'] }),
  parameters: { o365: { expectPart: 'list' } satisfies O365StoryParameters },
} satisfies Meta;

export default meta;
type Story = StoryObj;

/** An admin key: the Add form and three channels (enabled, failing, disabled). */
export const Loaded: Story = {};

/** The form's filters opened: the org's tenants and services, the classifications and event types. */
export const Filters: Story = {
  parameters: expectPart('filters'),
  play: async ({ canvasElement }) => {
    (await shadowQuery(canvasElement, TAG, '[part~="filters"] summary')).click();
  },
};

/** A webhook just added: its signing secret, shown once, with the Copy button. */
export const SecretShown: Story = {
  args: baseArgs('no-tenancy'),
  parameters: expectPart('secret'),
  play: async ({ canvasElement }) => {
    const el = canvasElement.querySelector(TAG)!;
    (await shadowQuery(canvasElement, TAG, 'input[name="name"]') as HTMLInputElement).value = 'Status page';
    (el.shadowRoot!.querySelector('input[name="target"]') as HTMLInputElement).value = 'https://hooks.example.com/o365';
    (el.shadowRoot!.querySelector('[part~="add-button"]') as HTMLElement).click();
    await shadowQuery(canvasElement, TAG, '[part~="secret"]');
  },
};

/** The failing Teams channel after "Send test", with its recent deliveries open (a retry pending). */
export const TestAndDeliveries: Story = {
  parameters: expectPart('delivery'),
  play: async ({ canvasElement }) => {
    (await shadowQuery(canvasElement, TAG, '[part~="item"]:nth-child(2) [part~="test-button"]')).click();
    (await shadowQuery(canvasElement, TAG, '[part~="item"]:nth-child(2) [part~="deliveries-button"]')).click();
    await shadowQuery(canvasElement, TAG, '[part~="test-result"] [part~="status"]');
    await shadowQuery(canvasElement, TAG, '[part~="delivery"]');
  },
};

/** The Teams channel's edit form: its name and filters ticked, ready to rename or re-filter. */
export const Edit: Story = {
  parameters: expectPart('edit-form'),
  play: async ({ canvasElement }) => {
    (await shadowQuery(canvasElement, TAG, '[part~="item"]:nth-child(2) [part~="edit-button"]')).click();
    await shadowQuery(canvasElement, TAG, '[part~="edit-form"]');
  },
};

/** Deleting asks in place first. */
export const ConfirmDelete: Story = {
  parameters: expectPart('confirm'),
  play: async ({ canvasElement }) => {
    (await shadowQuery(canvasElement, TAG, '[part~="delete-button"]')).click();
  },
};

/** Waiting for the API (it never answers here). */
export const Loading: Story = { args: baseArgs('loading'), parameters: expectPart('loading') };

/** No channel yet, and no tenant connected: the Add form and the empty state. */
export const Empty: Story = { args: baseArgs('no-tenancy'), parameters: expectPart('empty') };

/** The API fails (500): the error state with Retry. */
export const ApiError: Story = { name: 'Error', args: baseArgs('error'), parameters: expectPart('error') };

/** The API key was revoked (401). */
export const KeyRevoked: Story = { args: baseArgs('unauthorized'), parameters: expectPart('error') };

/** The server cannot be reached. */
export const Unreachable: Story = { args: baseArgs('unreachable'), parameters: expectPart('error') };

/** A viewer key (403 on /api/channels): an admin key is needed. */
export const Viewer: Story = { args: baseArgs('viewer'), parameters: expectPart('read-only') };

/** widgets/themes/dark.css on a dark page, with the delete confirmation. */
export const DarkTheme: Story = {
  globals: { theme: 'dark', backgrounds: { value: 'dark' } },
  parameters: expectPart('confirm'),
  play: ConfirmDelete.play,
};

/** A 240 px tile with the filters and a delivery log open. */
export const CompactTile: Story = {
  parameters: expectPart('delivery', 240),
  play: async (context) => {
    await Filters.play!(context);
    (await shadowQuery(context.canvasElement, TAG, '[part~="item"]:nth-child(2) [part~="deliveries-button"]')).click();
    await shadowQuery(context.canvasElement, TAG, '[part~="delivery"]');
  },
};
