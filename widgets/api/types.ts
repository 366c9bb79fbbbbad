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
