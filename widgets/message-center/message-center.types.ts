import { MESSAGE_CATEGORIES, type MessageSummary, type MessagesResponse, type Tenant } from '../api/types.js';
import type { Level } from '../internal/status.js';

/** Graph `serviceUpdateCategory` values the widget knows (the contract's {@link MESSAGE_CATEGORIES}). */
export type MessageCategory = (typeof MESSAGE_CATEGORIES)[number];

/** Values of the category filter ('' is every category). */
export const CATEGORY_FILTERS = ['', ...MESSAGE_CATEGORIES] as const;
export type CategoryFilter = (typeof CATEGORY_FILTERS)[number];

/** Words of each category, as the Microsoft 365 admin center names them. */
export const CATEGORY_TEXT = {
  preventOrFixIssue: 'Prevent or fix issues',
  planForChange: 'Plan for change',
  stayInformed: 'Stay informed',
} as const satisfies Record<MessageCategory, string>;

/** How soon an "act by" date is: passed, within 7 days, or later. */
export const URGENCIES = ['overdue', 'soon', 'later'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** The level (colour and icon shape) and the words before the date of each urgency: never colour alone. */
export const URGENCY_INFO = {
  overdue: { level: 'critical', text: 'Overdue: act by' },
  soon: { level: 'degraded', text: 'Due within 7 days: act by' },
  later: { level: 'advisory', text: 'Act by' },
} as const satisfies Record<Urgency, { level: Level; text: string }>;

/**
 * What `<o365-message-center>` loaded: the tenant, the service names to filter by, the first page,
 * the posts of the further pages shown ("Show more") and the cursor after the last of them.
 */
export type MessageCenterData =
  | { tenant: undefined }
  | { tenant: Tenant; services: string[]; page: MessagesResponse; more: MessageSummary[]; cursor: string | null };

/** `o365-load` from `<o365-message-center>` (each page, including "Show more"). */
export interface MessageCenterLoadDetail extends MessagesResponse {
  element: 'message-center';
  tenant: Tenant | null;
}

/** Detail of `o365-message-select`: the Message center post a user opened. */
export interface O365MessageSelectDetail {
  tenantId: string;
  message: MessageSummary;
}

declare module '../internal/events.js' {
  interface O365EventMap {
    /** A user opened a Message center post (cancelable: cancel it to keep the post closed). */
    'o365-message-select': CustomEvent<O365MessageSelectDetail>;
  }
}
