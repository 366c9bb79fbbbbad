import type { ServiceHealth } from '../api/types.js';
import { isHealthy, rank, serviceLevel } from '../internal/status.js';
import type { ServiceRow } from './service-health.types.js';

/** Service rows sorted by severity (worst first), then name. */
export function serviceRows(services: readonly ServiceHealth[]): ServiceRow[] {
  return services
    .map((service) => {
      const active = service.issues.filter((i) => !i.isResolved && !isHealthy(i.status));
      return {
        service,
        level: serviceLevel(service.status, active),
        incidents: active.filter((i) => i.classification?.toLowerCase() !== 'advisory').length,
        advisories: active.filter((i) => i.classification?.toLowerCase() === 'advisory').length,
      };
    })
    .sort((a, b) => rank(b.level) - rank(a.level) || a.service.name.localeCompare(b.service.name));
}

/** Keeps the services named in `list` (ids or names, comma separated, any case); all when empty. */
export function filterServices<T extends { id: string; name: string }>(services: readonly T[], list: string): T[] {
  const wanted = list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (!wanted.length) return [...services];
  return services.filter((s) => wanted.includes(s.id.toLowerCase()) || wanted.includes(s.name.toLowerCase()));
}

/** "All services are healthy" / "1 service has issues" / "3 services have issues". */
export function healthSummary(rows: readonly ServiceRow[]): string {
  const bad = rows.filter((r) => r.level !== 'healthy').length;
  if (!bad) return 'All services are healthy';
  return bad === 1 ? '1 service has issues' : `${bad} services have issues`;
}

/** "1 incident, 2 advisories" ('' when none). */
export function countText(incidents: number, advisories: number): string {
  const parts: string[] = [];
  if (incidents) parts.push(`${incidents} ${incidents === 1 ? 'incident' : 'incidents'}`);
  if (advisories) parts.push(`${advisories} ${advisories === 1 ? 'advisory' : 'advisories'}`);
  return parts.join(', ');
}
