/**
 * How events other than incidents read in each channel kind (service status changes, an
 * authorization to renew, a resolution, a test), and the post-to-text conversion they share.
 */
import { describe, expect, it } from 'vitest';
import { emailMessage, htmlToText, mailThreadId, severityOf, slackMessage, teamsMessage } from '../../server/notify/render.js';
import type { ChangeEvent } from '../../widgets/api/types.js';

const DASHBOARD = 'https://health.example.com';
const tenant = { tenantId: '4a1f8c2e-7b3d-4e6a-9c5f-1d2e3f4a5b6c', displayName: 'Contoso Ltd', label: 'Contoso HQ' };

const serviceChange = (status: string, previousStatus: string | null = 'serviceOperational'): ChangeEvent => ({
  id: 'evt_service',
  type: 'service.status_changed',
  occurredAt: '2026-12-01T09:00:00Z',
  tenant,
  service: { id: 'SharePoint', name: 'SharePoint Online', status, previousStatus },
});

const reauth: ChangeEvent = {
  id: 'evt_reauth',
  type: 'authorization.reauth_required',
  occurredAt: '2026-12-01T09:00:00Z',
  tenant,
  authorization: { id: 'a0b1c2d3-0000-4000-8000-000000000001', label: 'Contoso HQ', reason: 'AADSTS65001: consent was revoked' },
};

const resolved: ChangeEvent = {
  id: 'evt_resolved',
  type: 'issue.resolved',
  occurredAt: '2026-12-01T09:00:00Z',
  tenant,
  issue: {
    id: 'SP123456',
    title: 'Sites load slowly',
    service: 'SharePoint Online',
    feature: null,
    featureGroup: null,
    classification: 'advisory',
    status: 'serviceRestored',
    origin: 'microsoft',
    isResolved: true,
    startDateTime: null,
    endDateTime: null,
    lastModifiedDateTime: null,
    impactDescription: null,
  },
};

describe('severity', () => {
  it.each([
    [serviceChange('serviceInterruption'), '🔴 Service interruption', 'attention'],
    [serviceChange('serviceDegradation'), '🟠 Service degradation', 'warning'],
    [serviceChange('serviceOperational', 'serviceDegradation'), '✅ Service operational', 'good'],
    [serviceChange('investigating'), '🔵 Service status', 'accent'],
    [reauth, '⚠️ Action needed', 'warning'],
    [resolved, '✅ Resolved', 'good'],
  ])('%#: says it in a word and a colour', (event, label, style) => {
    expect(severityOf(event).label).toBe(label);
    expect(severityOf(event).card.style).toBe(style);
  });
});

describe('service status changes', () => {
  it('name the service, the new and the previous status, and link only the dashboard', () => {
    const event = serviceChange('serviceDegradation');
    const card = teamsMessage(event, DASHBOARD).attachments[0]!.content;
    expect(card.body[0]!.items![1]!.text).toBe('SharePoint Online');
    expect(card.body[1]!.facts).toEqual([
      { title: 'Tenant', value: 'Contoso HQ' },
      { title: 'Service', value: 'SharePoint Online' },
      { title: 'Status', value: 'Service degradation' },
      { title: 'Was', value: 'Service operational' },
    ]);
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open the dashboard', url: DASHBOARD }]);
    expect(slackMessage(event, DASHBOARD).text).toBe('🟠 Service degradation: SharePoint Online is now service degradation (Contoso HQ)');
    const mail = emailMessage(event, DASHBOARD);
    expect(mail.subject).toBe('🟠 Service degradation: SharePoint Online is now service degradation (Contoso HQ)');
    expect(mail.threadId).toBe(`<service-SharePoint-${tenant.tenantId}@o365-health>`);
  });
});

describe('an authorization to renew', () => {
  it('says which one and why, in every kind', () => {
    const mail = emailMessage(reauth, DASHBOARD);
    expect(mail.subject).toBe('⚠️ Action needed: Contoso HQ needs to be authorized again');
    expect(mail.text).toContain('Reason: AADSTS65001: consent was revoked');
    expect(mail.html).toContain('AADSTS65001: consent was revoked');
    expect(JSON.stringify(teamsMessage(reauth, DASHBOARD))).toContain('Authorization needs to be renewed');
    expect(slackMessage(reauth, DASHBOARD).blocks[0]).toMatchObject({ text: { text: '⚠️ Action needed · Authorization needs to be renewed' } });
  });
});

describe('e-mail', () => {
  it('keeps a title on one header line and escapes it in the HTML part', () => {
    const event: ChangeEvent = { ...resolved, issue: { ...resolved.issue!, title: 'Broken <b>bold</b>\r\nBcc: victim@example.com' } };
    const mail = emailMessage(event, DASHBOARD);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toContain('SP123456: Broken <b>bold</b> Bcc: victim@example.com');
    expect(mail.html).toContain('Broken &lt;b&gt;bold&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>bold</b>');
  });

  it('threads per issue and tenant, not across tenants', () => {
    const other = { ...resolved, tenant: { ...tenant, tenantId: '9b1e7c42-6a0d-4e35-8f21-5d7c9e0a4b63' } };
    expect(mailThreadId(resolved)).not.toBe(mailThreadId(other));
    expect(mailThreadId({ ...resolved, id: 'evt_other', type: 'issue.updated' })).toBe(mailThreadId(resolved));
  });
});

describe('post text', () => {
  it('drops scripts and markup, keeps line structure, decodes entities once', () => {
    expect(htmlToText('<p>One &amp;amp; two</p><script>alert(1)</script><p>Three<br>four &#128308; &lt;b&gt;</p>')).toBe('One &amp; two\nThree\nfour 🔴 <b>');
    expect(htmlToText('Plain text\n\nwith a blank line')).toBe('Plain text\nwith a blank line');
  });
});
