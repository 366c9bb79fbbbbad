import type { Authorization, AuthorizationStatus, Tenant } from '../api/types.js';
import type { Level } from '../internal/status.js';

/**
 * What `<o365-oauth-settings>` loaded: an admin key sees the authorizations; a viewer key
 * (403 on `GET /api/authorizations`) sees the connected tenants, read-only.
 */
export type OAuthSettingsData =
  | { readOnly: false; authorizations: Authorization[] }
  | { readOnly: true; tenants: Tenant[] };

/** Words and level of each authorization status (`pending` is drawn as a clock, see icons.ts). */
export const AUTHORIZATION_STATUS_INFO = {
  pending: { text: 'Waiting for sign-in and consent', level: 'unknown' },
  active: { text: 'Active', level: 'healthy' },
  reauth_required: { text: 'Needs re-authorization', level: 'degraded' },
  failed: { text: 'Failed', level: 'critical' },
} as const satisfies Record<AuthorizationStatus, { text: string; level: Level }>;

/** Words and level of a status; an unknown one keeps its raw value. */
export function authorizationStatus(raw: string): { text: string; level: Level } {
  return (AUTHORIZATION_STATUS_INFO as Record<string, { text: string; level: Level }>)[raw] ?? { text: `Unknown status (${raw})`, level: 'unknown' };
}

/** The APIs an authorization can be for (only one exists). */
export const AUTHORIZATION_APIS = { 'service-communications': 'Office 365 Service Communication API' } as const;
