import { expect } from '@open-wc/testing';
import type { Tenant } from '../../../widgets/api/types.js';
import { adminMessageUrl, categoryText, detailRows, severityText, urgency } from '../../../widgets/message-center/message-center.mapping.js';

const DAY = 86_400_000;
const now = Date.parse('2024-05-02T09:24:00.000Z');

describe('<o365-message-center> mapping (pure functions)', () => {
  it('names the categories as the admin center does, in any case, and keeps an unknown one as it came', () => {
    expect(['preventOrFixIssue', 'PlanForChange', 'STAYINFORMED'].map(categoryText)).to.deep.equal(['Prevent or fix issues', 'Plan for change', 'Stay informed']);
    expect(categoryText('unknownFutureValue')).to.equal('unknownFutureValue');
  });

  it('badges a severity other than normal, an unknown one too', () => {
    expect(['normal', 'Normal', 'high', 'critical', 'elevated'].map(severityText)).to.deep.equal(['', '', 'High severity', 'Critical severity', 'Elevated severity']);
  });

  it('reads an act-by date as overdue once passed, soon up to 7 days ahead, later after that', () => {
    expect(urgency(null, now)).to.be.undefined;
    expect(urgency('not a date', now)).to.be.undefined;
    expect(urgency(new Date(now - 1).toISOString(), now)).to.equal('overdue');
    expect(urgency(new Date(now).toISOString(), now)).to.equal('soon');
    expect(urgency(new Date(now + 7 * DAY).toISOString(), now)).to.equal('soon');
    expect(urgency(new Date(now + 7 * DAY + 60_000).toISOString(), now)).to.equal('later');
  });

  it('puts summary, roadmap and platforms first, links roadmap ids and https values, spells out other names and drops empty ones', () => {
    const rows = detailRows([
      { name: 'ExternalLink', value: 'https://learn.microsoft.com/x' },
      { name: 'Platforms', value: 'Web' },
      { name: 'FeatureStatus', value: '' },
      { name: 'roadmapIds', value: '124842; 124843, n/a' },
      { name: 'Summary', value: 'What changes.' },
      { name: 'Note', value: 'javascript:alert(1)' },
    ]);
    expect(rows.map((r) => r.name)).to.deep.equal(['Summary', 'Microsoft 365 roadmap', 'Platforms', 'External link', 'Note']);
    expect(rows[1]!.links!.map((l) => l.href)).to.deep.equal([
      'https://www.microsoft.com/microsoft-365/roadmap?featureid=124842',
      'https://www.microsoft.com/microsoft-365/roadmap?featureid=124843',
    ]);
    expect(rows[3]!.links).to.deep.equal([{ href: 'https://learn.microsoft.com/x', text: 'https://learn.microsoft.com/x' }]);
    expect(rows[4]!.links, 'only https values become links').to.be.undefined;
  });

  it('fills the admin center URL template, the default being the post in Microsoft’s Message center', () => {
    const tenant = { tenantId: 't-1', label: 'contoso.com' } as Tenant;
    expect(adminMessageUrl('', tenant, 'MC778452')).to.equal('https://admin.microsoft.com/#/MessageCenter/:/messages/MC778452');
    expect(adminMessageUrl('https://p.example/{tenant}/{tenantId}/{messageId}', tenant, 'MC 1')).to.equal('https://p.example/contoso.com/t-1/MC%201');
  });
});
