import { expect } from '@open-wc/testing';
import { toQuery } from '../../../widgets/api/client.js';
import { pickTenant, resolveConfig, scriptOrigin } from '../../../widgets/internal/config.js';
import { formatDateTime, formatRelative, zoneName } from '../../../widgets/internal/format.js';
import { isHealthy, issueLevel, serviceLevel, statusLevel, statusText } from '../../../widgets/internal/status.js';
import { countText, healthSummary, serviceRows } from '../../../widgets/service-health/service-health.mapping.js';
import type { IssueSummary, ServiceHealth, Tenant } from '../../../widgets/api/types.js';

const issue = (status: string, classification: string): IssueSummary => ({
  id: 'X', title: 't', service: 's', feature: null, featureGroup: null, classification, status, origin: 'microsoft',
  isResolved: false, startDateTime: null, endDateTime: null, lastModifiedDateTime: '2024-01-01T00:00:00Z', impactDescription: null,
});

describe('mapping (pure functions)', () => {
  it('treats exactly the four healthy statuses as healthy, in any case', () => {
    for (const s of ['serviceOperational', 'ServiceRestored', 'falsePositive', 'POSTINCIDENTREVIEWPUBLISHED']) expect(isHealthy(s), s).to.be.true;
    for (const s of ['investigating', 'resolved', 'mitigated', 'plannedMaintenance', '']) expect(isHealthy(s), s).to.be.false;
  });

  it('keeps an unknown status with its raw value', () => {
    expect(statusText('plannedMaintenance')).to.equal('Unknown status (plannedMaintenance)');
    expect(statusLevel('plannedMaintenance')).to.equal('unknown');
    expect(statusText('ServiceDegradation')).to.equal('Service degradation');
  });

  it('ranks an incident above an advisory of the same status, and an interruption above both', () => {
    expect(issueLevel('investigating', 'incident')).to.equal('degraded');
    expect(issueLevel('investigating', 'advisory')).to.equal('advisory');
    expect(issueLevel('serviceInterruption', 'advisory')).to.equal('critical');
    expect(issueLevel('serviceRestored', 'incident')).to.equal('healthy');
  });

  it('reads a service status with its active issues\' classification: one level for one issue everywhere', () => {
    expect(serviceLevel('serviceDegradation', [issue('serviceDegradation', 'advisory')])).to.equal(issueLevel('serviceDegradation', 'advisory'));
    expect(issueLevel('serviceDegradation', 'advisory')).to.equal('advisory');
    expect(serviceLevel('serviceDegradation', [issue('investigating', 'advisory'), issue('investigating', 'incident')])).to.equal('degraded');
    expect(serviceLevel('serviceDegradation', []), 'no issue known: as an incident').to.equal('degraded');
    expect(serviceLevel('serviceInterruption', [issue('investigating', 'advisory')])).to.equal('critical');
    expect(serviceLevel('serviceOperational', [issue('investigating', 'advisory')])).to.equal('advisory');
    expect(serviceLevel('plannedMaintenance', [])).to.equal('unknown');
  });

  it('sorts services by severity then name, and summarises', () => {
    const svc = (name: string, status: string, issues: IssueSummary[] = []): ServiceHealth => ({ id: name, name, status, activeIssueCount: issues.length, issues });
    const rows = serviceRows([
      svc('B', 'serviceOperational'),
      svc('A', 'serviceOperational', [issue('investigating', 'advisory')]),
      svc('C', 'serviceOperational', [issue('investigating', 'incident'), issue('confirmed', 'advisory')]),
      svc('D', 'serviceInterruption'),
    ]);
    expect(rows.map((r) => r.service.name)).to.deep.equal(['D', 'C', 'A', 'B']);
    expect(countText(rows[1].incidents, rows[1].advisories)).to.equal('1 incident, 1 advisory');
    expect(healthSummary(rows)).to.equal('3 services have issues');
    expect(healthSummary(rows.slice(3))).to.equal('All services are healthy');
  });

  it('formats dates without a zone on each, names the zone of a view once, and survives a bad time zone', () => {
    expect(formatDateTime('2024-05-02T09:20:00Z', { locale: 'en-US', timeZone: 'UTC' })).to.equal('May 2, 2024, 9:20 AM');
    expect(formatDateTime('2024-01-10T10:00:00Z', { locale: 'en-GB', timeZone: 'Europe/London' })).to.equal('10 Jan 2024, 10:00');
    expect(zoneName({ locale: 'en-GB', timeZone: 'Etc/UTC' })).to.equal('UTC');
    expect(zoneName({ locale: 'en-US', timeZone: 'Europe/Berlin' })).to.equal('Europe/Berlin');
    expect(zoneName({ locale: 'de-DE', timeZone: 'Not/AZone' }), 'a bad zone: the browser’s').to.equal(Intl.DateTimeFormat().resolvedOptions().timeZone.replace(/^(Etc\/)?UTC$/, 'UTC'));
    expect(formatDateTime('2024-05-02T09:20:00Z', { locale: 'en-US', timeZone: 'Not/AZone' })).to.match(/2024/);
    expect(formatDateTime(null)).to.equal('—');
  });

  it('says how old a time is in words, in the given locale', () => {
    const at = '2024-05-02T09:20:00Z';
    const after = (seconds: number) => Date.parse(at) + seconds * 1000;
    expect(formatRelative(at, after(10), 'en-GB')).to.equal('now');
    expect(formatRelative(at, after(-30), 'en-GB')).to.equal('now'); // clock skew
    expect(formatRelative(at, after(4 * 60 + 10), 'en-GB')).to.equal('4 minutes ago');
    expect(formatRelative(at, after(3 * 3600), 'en-GB')).to.equal('3 hours ago');
    expect(formatRelative(at, after(26 * 3600), 'en-GB')).to.equal('yesterday');
    expect(formatRelative(at, after(35 * 86400), 'en-GB')).to.equal('last month');
    expect(formatRelative(at, after(4 * 60), 'de-DE')).to.equal('vor 4 Minuten');
    expect(formatRelative(at, after(4 * 60), 'not a locale!')).to.match(/4/);
    expect(formatRelative(null)).to.equal('');
  });

  it('builds stable query strings without empty values', () => {
    expect(toQuery({ state: 'all', q: '', classification: 'incident', limit: 5, cursor: null })).to.equal('?classification=incident&limit=5&state=all');
  });

  it('picks a tenant by id or label, else the first active one', () => {
    const t = (tenantId: string, label: string, status: string): Tenant => ({ tenantId, label, displayName: null, status, lastSyncAt: null, stale: false, lastSyncError: null, nextSyncAt: null });
    const list = [t('1', 'a.com', 'reauth_required'), t('2', 'b.com', 'active')];
    expect(pickTenant(list)?.tenantId).to.equal('2');
    expect(pickTenant(list, 'A.COM')?.tenantId).to.equal('1');
    expect(pickTenant(list, '2')?.label).to.equal('b.com');
    expect(pickTenant(list, 'c.com')).to.be.undefined;
    expect(pickTenant([])).to.be.undefined;
  });

  it('falls back to the origin of the widget script for the API base', () => {
    expect(resolveConfig({}).apiBase).to.equal(scriptOrigin);
    expect(resolveConfig({ apiBase: 'https://x.example/' }).apiBase).to.equal('https://x.example');
  });
});
