import type { Channel, ChannelKind, Delivery, EventType, Tenant, TestDeliveryResponse } from '../api/types.js';
import type { Level } from '../internal/status.js';

/** What `<o365-notification-settings>` loaded: the channels, and the tenants and services its filters offer. */
export interface NotificationSettingsData {
  channels: Channel[];
  tenants: Tenant[];
  /** Service names of the org's tenants (their current health), sorted. */
  services: string[];
}

/** How a test send went. */
export type ChannelTestDelivery = TestDeliveryResponse['delivery'];

/** States of a delivery. */
export type DeliveryStatus = Delivery['status'];

/** Words of each channel kind, the label of its target field and the field's hint. */
export const KIND_INFO = {
  webhook: { text: 'Webhook', target: 'URL', hint: 'An https URL that receives each event as JSON, signed per Standard Webhooks (webhook-signature header).' },
  teams: { text: 'Microsoft Teams', target: 'Workflows webhook URL', hint: 'The URL of a Teams workflow “When a Teams webhook request is received”: events arrive as Adaptive Cards.' },
  slack: { text: 'Slack', target: 'Incoming webhook URL', hint: 'A Slack incoming webhook URL (https://hooks.slack.com/services/…).' },
  email: { text: 'E-mail', target: 'Addresses', hint: 'One or more e-mail addresses, separated by commas.' },
} as const satisfies Record<ChannelKind, { text: string; target: string; hint: string }>;

/** Words of each change event type. */
export const EVENT_TEXT = {
  'issue.created': 'New issue',
  'issue.updated': 'Issue updated',
  'issue.resolved': 'Issue resolved',
  'service.status_changed': 'Service status changed',
  'authorization.reauth_required': 'Authorization needs renewal',
  test: 'Test',
} as const satisfies Record<EventType, string>;

/** Words and level of each delivery status (`pending` is drawn as a clock). */
export const DELIVERY_INFO = {
  pending: { text: 'Pending', level: 'unknown' },
  delivered: { text: 'Delivered', level: 'healthy' },
  failed: { text: 'Failed', level: 'critical' },
} as const satisfies Record<DeliveryStatus, { text: string; level: Level }>;

/** The delivery log of an opened channel, or the outcome of its last test send. */
export type Pending<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; error: unknown };

export type DeliveryLog = Pending<Delivery[]>;
export type TestOutcome = Pending<ChannelTestDelivery>;

/** `o365-load` from `<o365-notification-settings>`. */
export interface NotificationSettingsLoadDetail {
  element: 'notification-settings';
  channels: Channel[];
}

/** Detail of `o365-channel-change`: what an admin did to a notification channel. */
export interface O365ChannelChangeDetail {
  action: 'add' | 'edit' | 'enable' | 'disable' | 'delete' | 'test';
  channelId: string;
  /** How the test send went (`test`). */
  delivery?: ChannelTestDelivery;
}

declare module '../internal/events.js' {
  interface O365EventMap {
    /** A channel was added, enabled, disabled, deleted or test-sent. */
    'o365-channel-change': CustomEvent<O365ChannelChangeDetail>;
  }
}
