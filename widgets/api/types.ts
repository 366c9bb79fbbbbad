/**
 * The contract of the o365-health JSON API (DESIGN.md, "JSON API"): written once, here, and
 * imported by both sides — the widgets read these shapes, and the server's routes build their
 * answers as these types (`satisfies`), so neither side can drift from the other. Type-only: it
 * adds nothing to the bundle.
 *
 * Enum-like strings (`status`, `classification`, `origin`) stay `string`: the server passes
 * values it does not know through unchanged, and the widgets must show them, not drop them.
 */

/** Timestamps are ISO-8601 text (or epoch milliseconds); `null` when unknown. */
export type Timestamp = string | number | null;

/** One tenant visible to the key's org (`GET /api/tenants`). */
export interface Tenant {
  tenantId: string;
  label: string;
  displayName: string | null;
  /** The authorization status that makes it visible: `active`, `reauth_required`, … */
  status: string;
  lastSyncAt: Timestamp;
  stale: boolean;
  /** Why the last sync of the tenant failed (cleared by a successful one). */
  lastSyncError: string | null;
  /** When the server next tries to sync the tenant; null while no active authorization reads it. */
  nextSyncAt: Timestamp;
}

export interface TenantsResponse {
  tenants: Tenant[];
}

/** A service health issue without its posts. */
export interface IssueSummary {
  id: string;
  title: string;
  service: string;
  feature: string | null;
  featureGroup: string | null;
  classification: string;
  status: string;
  origin: string | null;
  isResolved: boolean;
  startDateTime: Timestamp;
  endDateTime: Timestamp;
  lastModifiedDateTime: Timestamp;
  impactDescription: string | null;
}

/** One post of an issue; `html` was sanitised by the server with an allow-list. */
export interface IssuePost {
  createdDateTime: Timestamp;
  postType: string;
  html: string;
}

/** `GET /api/tenants/:tenantId/issues/:issueId`. */
export interface IssueDetail extends IssueSummary {
  posts: IssuePost[];
}

/** One service's current health with its active issues. */
export interface ServiceHealth {
  id: string;
  name: string;
  status: string;
  activeIssueCount: number;
  issues: IssueSummary[];
}

/** `GET /api/tenants/:tenantId/health`. */
export interface HealthResponse {
  tenantId: string;
  /** The label of the org's authorization for the tenant. */
  label: string;
  /** The org's authorization status for the tenant (`active`, `reauth_required`, …). */
  authorizationStatus: AuthorizationStatus | string;
  syncedAt: Timestamp;
  stale: boolean;
  services: ServiceHealth[];
}

/** `GET /api/tenants/:tenantId/issues`. */
export interface IssuesResponse {
  tenantId: string;
  syncedAt: Timestamp;
  stale: boolean;
  issues: IssueSummary[];
  nextCursor: string | null;
}

/** Query of `GET /api/tenants/:tenantId/issues`; empty values are left out. */
export interface IssuesQuery {
  state?: 'active' | 'resolved' | 'all';
  classification?: '' | 'incident' | 'advisory';
  service?: string;
  q?: string;
  since?: string;
  limit?: number;
  cursor?: string | null;
  /** `csv`: every matching issue (all pages) as a CSV download. */
  format?: 'json' | 'csv';
}

/** Levels of a service on a day (DESIGN.md, "History"), least severe first; `nodata` before the tenant's earliest known data. */
export const DAY_LEVELS = ['nodata', 'operational', 'advisory', 'degradation', 'interruption'] as const;
export type DayLevel = (typeof DAY_LEVELS)[number];

/** One calendar day of one service. */
export interface HistoryDay {
  /** The calendar date in the requested zone, `YYYY-MM-DD`. */
  date: string;
  /** The worst level of the day (a value this contract does not know is passed through). */
  level: DayLevel | string;
  /** The issues that overlapped the day, earliest start first. */
  issueIds: string[];
}

/** One service's days and availability over the window. */
export interface ServiceHistory {
  id: string;
  name: string;
  /** 0–1: 1 − time under an incident ÷ time with data in the window; null without data. */
  availability: number | null;
  /** One entry per calendar day, oldest first. */
  days: HistoryDay[];
}

/** `GET /api/tenants/:tenantId/history?days=&timeZone=`. */
export interface HistoryResponse {
  tenantId: string;
  /** The first instant of the oldest day. */
  from: string;
  /** Now: the end of the window. */
  to: string;
  /** The canonical IANA zone the days are calendar days of. */
  timeZone: string;
  /** Where the known data begins (30 days before the first sync); null before the first sync. */
  dataFrom: string | null;
  services: ServiceHistory[];
}

/** Query of `GET /api/tenants/:tenantId/history`. */
export interface HistoryQuery {
  /** 1–400 (default 90). */
  days?: number;
  /** IANA zone (default UTC). */
  timeZone?: string;
}

/** The current level of a tenant or service: the levels of {@link DAY_LEVELS}, `nodata` before a first sync. */
export type CurrentLevel = DayLevel;

/** One tenant of `GET /api/overview`. */
export interface OverviewTenant {
  tenantId: string;
  label: string;
  /** The tenant's name at Microsoft once known (`/organization`), else null. */
  displayName: string | null;
  /** The best status among the org's authorizations of this tenant. */
  authorizationStatus: AuthorizationStatus | string;
  syncedAt: Timestamp;
  stale: boolean;
  /** Worst current level over the tenant's services and active issues (as in history). */
  level: CurrentLevel | string;
  activeIncidents: number;
  activeAdvisories: number;
  /** How many services have an active issue or a status other than operational. */
  affectedServices: number;
}

/** One active issue of `GET /api/overview`, with every tenant of the org it reaches. */
export interface OverviewIssue {
  id: string;
  title: string;
  service: string;
  classification: string;
  status: string;
  /** The tenants (of this org) where Microsoft lists this issue id as active. */
  tenantIds: string[];
}

/** `GET /api/overview`: every tenant the org can see, worst first, and the active issues across them. */
export interface OverviewResponse {
  tenants: OverviewTenant[];
  /** Active issues, those reaching the most tenants first. */
  issues: OverviewIssue[];
}

/** Graph `serviceUpdateCategory` values (camelCase; unknown values are passed through). */
export const MESSAGE_CATEGORIES = ['preventOrFixIssue', 'planForChange', 'stayInformed'] as const;

/** One Message center post (Graph `serviceUpdateMessage`) in a list. */
export interface MessageSummary {
  /** `MC…` */
  id: string;
  title: string;
  /** camelCase Graph category (`preventOrFixIssue`, `planForChange`, `stayInformed`, …). */
  category: string;
  /** camelCase Graph severity (`normal`, `high`, `critical`, …). */
  severity: string;
  isMajorChange: boolean;
  /** Service names, e.g. `Microsoft Teams`. */
  services: string[];
  /** e.g. `Retirement`, `Admin impact`, `User impact`, `Feature update`, `Updated message`. */
  tags: string[];
  startDateTime: string | null;
  endDateTime: string | null;
  lastModifiedDateTime: string;
  /** The "act by" date, when Microsoft asks admins to act. */
  actionRequiredByDateTime: string | null;
}

/** A name/value pair of a post's `details` (`Summary`, `RoadmapIds`, `Platforms`, … unknown names kept). */
export interface MessageDetailItem {
  name: string;
  value: string;
}

/** `GET /api/tenants/:tenantId/messages/:id`. */
export interface MessageDetail extends MessageSummary {
  /** The body, sanitised on the server. */
  html: string;
  details: MessageDetailItem[];
}

/** `GET /api/tenants/:tenantId/messages`: newest `lastModifiedDateTime` first. */
export interface MessagesResponse {
  messages: MessageSummary[];
  nextCursor: string | null;
}

/** Query of `GET /api/tenants/:tenantId/messages`. */
export interface MessagesQuery {
  category?: string;
  /** A service name (case-insensitive). */
  service?: string;
  /** A tag (case-insensitive). */
  tag?: string;
  /** Search over id, title, services and tags. */
  q?: string;
  /** `true`: major changes only. */
  major?: boolean;
  /** `true`: posts with an act-by date only. */
  actionRequired?: boolean;
  /** 1–100 (default 25). */
  limit?: number;
  cursor?: string | null;
}

/** Types of change events (DESIGN.md, "Change events"); `test` is a channel's test send. */
export const EVENT_TYPES = ['issue.created', 'issue.updated', 'issue.resolved', 'service.status_changed', 'authorization.reauth_required', 'test'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One change a sync observed, as `GET /api/events` streams it and channels receive it. */
export interface ChangeEvent {
  /** Stable: the same change has the same id in every retry and on every instance. */
  id: string;
  type: EventType | string;
  occurredAt: string;
  tenant: { tenantId: string; displayName: string | null; label: string | null };
  issue?: IssueSummary & { latestPost?: IssuePost };
  service?: { id: string; name: string; status: string; previousStatus: string | null };
  /** `authorization.reauth_required`: why the grant no longer works. */
  authorization?: { id: string; label: string; reason: string | null };
}

/** Life cycle of an authorization. */
export const AUTHORIZATION_STATUSES = ['pending', 'active', 'reauth_required', 'failed'] as const;
export type AuthorizationStatus = (typeof AUTHORIZATION_STATUSES)[number];

/** `GET /api/authorizations` item. */
export interface Authorization {
  id: string;
  label: string;
  api: string;
  tenantId: string | null;
  status: AuthorizationStatus | string;
  /** The user name of the API key that added it. */
  createdBy: string;
  /** The admin who accepted the consent at Microsoft (the UPN in the token). */
  consentedBy: string | null;
  createdAt: Timestamp;
  lastSuccessAt: Timestamp;
  lastError: string | null;
  /** Why the last sync of the authorization's tenant failed. */
  lastSyncError: string | null;
  /** When the server next tries to sync that tenant; null while the authorization is not active. */
  nextSyncAt: Timestamp;
}

export interface AuthorizationsResponse {
  authorizations: Authorization[];
}

/** `GET /api/authorizations/:id`. */
export interface AuthorizationResponse {
  authorization: Authorization;
}

/** `POST /api/authorizations` answer. */
export interface CreateAuthorizationResponse {
  authorization: Authorization;
  authorizeUrl: string;
}

/** Notification channel kinds (DESIGN.md, "Notification channels"). */
export const CHANNEL_KINDS = ['webhook', 'teams', 'slack', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** What a channel receives; an absent list means all. */
export interface ChannelFilters {
  /** Tenant ids (a label is accepted on input and stored as its tenant id). */
  tenants?: string[];
  /** Service names, compared case-insensitively. */
  services?: string[];
  classifications?: Array<'incident' | 'advisory'>;
  /** Event types other than `test`. */
  events?: string[];
}

/** `GET /api/channels` item. */
export interface Channel {
  id: string;
  kind: ChannelKind;
  name: string;
  /** Masked: scheme, host and `/…`, or the e-mail addresses. */
  target: string;
  filters: ChannelFilters;
  enabled: boolean;
  createdAt: string;
  lastDeliveryAt: string | null;
  /** The last failure (cleared by a delivery), or why the channel was disabled. */
  lastError: string | null;
}

export interface ChannelsResponse {
  channels: Channel[];
}

/** `POST /api/channels` body. */
export interface CreateChannelRequest {
  kind: ChannelKind;
  name: string;
  /** An https URL, or a comma-separated list of e-mail addresses for `email`. */
  target: string;
  filters?: ChannelFilters;
}

/** `POST /api/channels` answer: a webhook's signing secret (`whsec_…`) is shown this once. */
export interface CreateChannelResponse {
  channel: Channel;
  secret?: string;
}

/** `PATCH /api/channels/:id` body (at least one field). */
export interface UpdateChannelRequest {
  name?: string;
  filters?: ChannelFilters;
  enabled?: boolean;
}

/** `PATCH /api/channels/:id` answer. */
export interface ChannelResponse {
  channel: Channel;
}

/** `POST /api/channels/:id/test` answer. */
export interface TestDeliveryResponse {
  delivery: { status: 'delivered' | 'failed'; responseStatus: number | null; error: string | null };
}

/** One entry of a channel's delivery log. */
export interface Delivery {
  eventId: string;
  type: EventType | string;
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  /** HTTP status, or the SMTP reply code of an e-mail. */
  responseStatus: number | null;
  error: string | null;
  lastAttemptAt: string | null;
}

/** `GET /api/channels/:id/deliveries` answer, newest first. */
export interface DeliveriesResponse {
  deliveries: Delivery[];
}

/** The error body every failing `/api/*` call answers with. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** The message the server's OAuth callback page posts to its opener (popup flow). */
export interface AuthorizationMessage {
  type: 'o365-health:authorization';
  status: 'active' | 'failed';
  authorizationId: string | null;
  error: string | null;
}
