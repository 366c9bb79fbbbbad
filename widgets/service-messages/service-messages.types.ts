import type { IssueSummary, IssuesResponse, Tenant } from '../api/types.js';

/** Values of the `state` filter. */
export const MESSAGE_STATES = ['active', 'resolved', 'all'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/** Values of the `classification` filter ('' is both). */
export const MESSAGE_CLASSIFICATIONS = ['', 'incident', 'advisory'] as const;
export type MessageClassification = (typeof MESSAGE_CLASSIFICATIONS)[number];

export const STATE_TEXT = { active: 'Active', resolved: 'Resolved', all: 'All' } as const satisfies Record<MessageState, string>;
export const CLASSIFICATION_FILTER_TEXT = {
  '': 'Incidents and advisories',
  incident: 'Incidents',
  advisory: 'Advisories',
} as const satisfies Record<MessageClassification, string>;

/**
 * What `<o365-service-messages>` loaded: the tenant, its service names, the first page, the issues
 * of the further pages shown ("Show more") and the cursor after the last of them.
 */
export type ServiceMessagesData =
  | { tenant: undefined }
  | { tenant: Tenant; services: string[]; page: IssuesResponse; more: IssueSummary[]; cursor: string | null };
