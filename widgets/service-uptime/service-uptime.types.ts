import type { HistoryDay, HistoryResponse, ServiceHistory, Tenant } from '../api/types.js';

/** What `<o365-service-uptime>` loaded: no tenant yet, or a tenant and its history. */
export type ServiceUptimeData = { tenant: undefined; history: undefined } | { tenant: Tenant; history: HistoryResponse };

/** The day a user focused (or opened): row and day index into the rendered rows. */
export interface DayPosition {
  row: number;
  day: number;
}

/** A day opened with Enter, Space or a click (the default of `o365-issue-select`: its issues listed). */
export interface OpenedDay {
  tenantId: string;
  service: ServiceHistory;
  day: HistoryDay;
}
