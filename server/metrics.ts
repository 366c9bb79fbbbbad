/**
 * Prometheus metrics (DESIGN.md, "History"), with prom-client on a registry of this server's own
 * (never the global default registry), so two servers in one process, as in tests, never mix.
 *
 * Gauges are computed from the stored data at scrape time; counters and the histogram are
 * incremented by the poller and its Graph clients as things happen. Labels are low-cardinality
 * only: tenant ids, Graph service names, classifications, HTTP status codes — never an
 * issue id or free text.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { serviceLevel, type HistoryLevel } from './core/history.js';
import type { MetricsRows } from './store/history.js';

/** `o365_service_status` values (DESIGN.md). */
export const SERVICE_STATUS_VALUE = { operational: 0, advisory: 1, degradation: 2, interruption: 3 } as const satisfies Record<HistoryLevel, number>;

/** What the poller and the Graph client report (see {@link Metrics}). */
export interface SyncMetrics {
  /** One Graph HTTP answer (`status` 0: none arrived — time-out or network error). */
  graphResponse(status: number): void;
  /** One tenant sync ended after `seconds`, whatever its outcome (`ok`, `failed`, `throttled`, `no-authorization`). */
  syncFinished(seconds: number, outcome: string): void;
}

export interface Metrics extends SyncMetrics {
  readonly registry: Registry;
  /** One notification sent (or not) through a channel of `kind`. */
  notification(kind: string, status: string): void;
  /** The text exposition, gauges read from the database now. */
  scrape(): Promise<string>;
  readonly contentType: string;
}

const classificationLabel = (value: string) => {
  const lower = value.toLowerCase();
  return lower === 'incident' || lower === 'advisory' ? lower : 'other';
};

export function createMetrics(read: () => Promise<MetricsRows>): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const serviceStatus = new Gauge({
    name: 'o365_service_status',
    help: 'Current level of each service of each tenant: 0 operational, 1 advisory, 2 degradation, 3 interruption.',
    labelNames: ['tenant_id', 'service'] as const,
    registers,
  });
  const activeIssues = new Gauge({
    name: 'o365_active_issues',
    help: 'Unresolved issues Microsoft lists for the tenant, by classification (incident, advisory, other).',
    labelNames: ['tenant_id', 'classification'] as const,
    registers,
  });
  const lastSync = new Gauge({
    name: 'o365_tenant_last_sync_timestamp_seconds',
    help: 'Unix time of the last successful sync of the tenant.',
    labelNames: ['tenant_id'] as const,
    registers,
  });
  const graphRequests = new Counter({
    name: 'o365_graph_requests_total',
    help: 'Microsoft Graph requests by HTTP status of the answer (0: no answer, a time-out or network error).',
    labelNames: ['status'] as const,
    registers,
  });
  const syncDuration = new Histogram({
    name: 'o365_sync_duration_seconds',
    help: 'Duration of each tenant sync attempt (its Graph requests and the write), successful or not.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const notifications = new Counter({
    name: 'o365_notifications_total',
    help: 'Notifications sent through channels, by channel kind and delivery status.',
    labelNames: ['kind', 'status'] as const,
    registers,
  });

  return {
    registry,
    contentType: registry.contentType,
    graphResponse: (status) => graphRequests.inc({ status: String(status) }),
    syncFinished: (seconds) => syncDuration.observe(seconds),
    notification: (kind, status) => notifications.inc({ kind, status }),
    async scrape() {
      const rows = await read();
      serviceStatus.reset();
      activeIssues.reset();
      lastSync.reset();
      const active = new Map<string, MetricsRows['activeIssues']>();
      for (const tenant of rows.tenants) {
        if (tenant.lastSyncAt) lastSync.set({ tenant_id: tenant.tenantId }, tenant.lastSyncAt.getTime() / 1000);
        // Zero samples too: "no incident" is a value an alert can read, not a missing series.
        for (const classification of ['incident', 'advisory']) activeIssues.set({ tenant_id: tenant.tenantId, classification }, 0);
      }
      for (const issue of rows.activeIssues) {
        activeIssues.inc({ tenant_id: issue.tenantId, classification: classificationLabel(issue.classification) });
        const key = `${issue.tenantId}\n${issue.service.toLowerCase()}`;
        const list = active.get(key);
        if (list) list.push(issue);
        else active.set(key, [issue]);
      }
      for (const service of rows.services) {
        const level = serviceLevel(service.status, active.get(`${service.tenantId}\n${service.name.toLowerCase()}`) ?? []);
        serviceStatus.set({ tenant_id: service.tenantId, service: service.name }, SERVICE_STATUS_VALUE[level]);
      }
      return registry.metrics();
    },
  };
}
