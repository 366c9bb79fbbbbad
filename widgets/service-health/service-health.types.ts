import type { HealthResponse, ServiceHealth, Tenant } from '../api/types.js';
import type { Level } from '../internal/status.js';

/** What `<o365-service-health>` loaded: no tenant yet, or a tenant and its health. */
export type ServiceHealthData = { tenant: undefined; health: undefined } | { tenant: Tenant; health: HealthResponse };

/** A service row after mapping: its level and its active issue counts. */
export interface ServiceRow {
  service: ServiceHealth;
  level: Level;
  incidents: number;
  advisories: number;
}
