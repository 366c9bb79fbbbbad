import { ApiError } from '../api/client.js';
import type { Authorization, HealthResponse, HistoryResponse, IssuesResponse, IssueSummary, OverviewResponse, Tenant } from '../api/types.js';
import type { MessageCenterLoadDetail } from '../message-center/message-center.types.js';
import type { NotificationSettingsLoadDetail } from '../notification-settings/notification-settings.types.js';

/** `o365-load` from `<o365-service-health>`. */
export interface HealthLoadDetail {
  element: 'service-health';
  tenant: Tenant | null;
  health: HealthResponse | null;
}

/** `o365-load` from `<o365-service-messages>` (each page, including "Show more"). */
export interface MessagesLoadDetail extends Pick<IssuesResponse, 'issues' | 'nextCursor'> {
  element: 'service-messages';
  tenant: Tenant | null;
}

/** `o365-load` from `<o365-oauth-settings>`; `readOnly` when the key is a viewer's. */
export interface SettingsLoadDetail {
  element: 'oauth-settings';
  authorizations: Authorization[];
  readOnly: boolean;
}

/** `o365-load` from `<o365-service-uptime>`. */
export interface UptimeLoadDetail {
  element: 'service-uptime';
  tenant: Tenant | null;
  history: HistoryResponse | null;
}

/** `o365-load` from `<o365-tenant-overview>`. */
export interface OverviewLoadDetail {
  element: 'tenant-overview';
  overview: OverviewResponse;
}

/** Detail of `o365-load`: the data the element now shows. */
export type O365LoadDetail = HealthLoadDetail | MessagesLoadDetail | SettingsLoadDetail | UptimeLoadDetail | OverviewLoadDetail | MessageCenterLoadDetail | NotificationSettingsLoadDetail;

/** Detail of `o365-error`: what failed (an `ApiError` carries the HTTP status and code). */
export interface O365ErrorDetail {
  error: ApiError | Error;
  status: number;
  code: string;
  message: string;
}

/** Detail of `o365-issue-select`: the issue a user opened. */
export interface O365IssueSelectDetail {
  tenantId: string;
  issue: IssueSummary;
}

/** Detail of `o365-issue-select` from `<o365-service-uptime>`: the issues of the day a user opened. */
export interface O365DayIssuesSelectDetail {
  tenantId: string;
  /** The day's issue ids, earliest start first. */
  issueIds: string[];
  /** The service's id and name. */
  service: { id: string; name: string };
  /** The calendar date, `YYYY-MM-DD`, in the element's time zone. */
  date: string;
}

/** Detail of `o365-authorization-change`. */
export interface O365AuthorizationChangeDetail {
  action: 'add' | 'reauthorize' | 'delete';
  authorizationId: string;
  /**
   * `active` or `failed` after add/re-authorize; `cancelled` when the sign-in window was closed
   * before Microsoft redirected back (the pending authorization was removed); `deleted` after delete.
   */
  status: string;
  error?: string;
}

/** Detail of `o365-tenant-select`: the tenant a user selected in `<o365-tenant-overview>`. */
export interface O365TenantSelectDetail {
  tenantId: string;
}

/** Every event the widgets fire, with its detail type. */
export interface O365EventMap {
  'o365-load': CustomEvent<O365LoadDetail>;
  'o365-error': CustomEvent<O365ErrorDetail>;
  'o365-issue-select': CustomEvent<O365IssueSelectDetail | O365DayIssuesSelectDetail>;
  'o365-authorization-change': CustomEvent<O365AuthorizationChangeDetail>;
  'o365-tenant-select': CustomEvent<O365TenantSelectDetail>;
}

declare global {
  // Typed `addEventListener('o365-load', …)` on any element.
  interface HTMLElementEventMap extends O365EventMap {}
}

type DetailOf<K extends keyof O365EventMap> = O365EventMap[K] extends CustomEvent<infer D> ? D : never;

/** Fires a bubbling, composed `o365-…` event; false when a listener cancelled a cancelable one. */
export function emit<K extends keyof O365EventMap>(el: HTMLElement, type: K, detail: DetailOf<K>, cancelable = false): boolean {
  return el.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
}

/** Fires `o365-error` for a failed request (finished async work). */
export function emitError(el: HTMLElement, result: unknown): void {
  const error = result instanceof Error ? result : new Error(String(result));
  const api = error instanceof ApiError ? error : undefined;
  emit(el, 'o365-error', { error, status: api?.status ?? 0, code: api?.code ?? 'error', message: error.message });
}
