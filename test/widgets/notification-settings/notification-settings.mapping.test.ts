import { expect } from '@open-wc/testing';
import { channelState, deliveryStatus, eventText, filterText, formFilters, kindText, testText } from '../../../widgets/notification-settings/notification-settings.mapping.js';

const tenants = [{ tenantId: 't1', label: 'contoso.onmicrosoft.com' }];

describe('notification settings mapping', () => {
  it('says what a channel receives, tenants by their labels (an id the org no longer sees as it is)', () => {
    expect(filterText({}, tenants)).to.equal('Everything');
    expect(filterText({ tenants: [], services: [] }, tenants)).to.equal('Everything');
    expect(filterText({ tenants: ['t1', 't9'], services: ['Exchange Online'], classifications: ['incident', 'advisory'], events: ['issue.created', 'issue.later'] }, tenants)).to.equal(
      'Tenants: contoso.onmicrosoft.com, t9; Services: Exchange Online; Classifications: Incident, Advisory; Events: New issue, issue.later',
    );
  });

  it('reads the checked values of each filter group, leaving unchecked groups out', () => {
    const data = new FormData();
    data.append('name', 'x');
    data.append('services', 'Exchange Online');
    data.append('services', 'Microsoft Teams');
    data.append('events', 'issue.resolved');
    expect(formFilters(data)).to.deep.equal({ services: ['Exchange Online', 'Microsoft Teams'], events: ['issue.resolved'] });
  });

  it('names states, kinds, event types and delivery statuses, keeping unknown values', () => {
    expect(channelState({ enabled: false, lastError: 'x' })).to.deep.equal({ text: 'Disabled', level: 'unknown' });
    expect(channelState({ enabled: true, lastError: 'x' }).level).to.equal('degraded');
    expect(channelState({ enabled: true, lastError: null })).to.deep.equal({ text: 'Enabled', level: 'healthy' });
    expect([kindText('teams'), kindText('sms')]).to.deep.equal(['Microsoft Teams', 'sms']);
    expect([eventText('service.status_changed'), eventText('test')]).to.deep.equal(['Service status changed', 'Test']);
    expect(deliveryStatus('failed')).to.deep.equal({ text: 'Failed', level: 'critical' });
    expect(deliveryStatus('queued')).to.deep.equal({ text: 'Unknown status (queued)', level: 'unknown' });
    expect(eventText('toString')).to.equal('toString');
  });

  it('words a test send', () => {
    expect(testText({ status: 'delivered', responseStatus: 204, error: null })).to.equal('Test delivered (HTTP 204).');
    expect(testText({ status: 'delivered', responseStatus: null, error: null })).to.equal('Test delivered.');
    expect(testText({ status: 'failed', responseStatus: null, error: 'Connection refused.' })).to.equal('The test failed: Connection refused.');
  });
});
