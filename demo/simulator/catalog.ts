/**
 * Static reference data of the simulated Microsoft cloud: tenants, the Microsoft 365 service
 * list (Graph `serviceHealth` ids and names), issue and Message center templates.
 *
 * Service ids follow what Graph returns in `healthOverviews` where known (`Exchange`,
 * `microsoftteams`, `SharePoint`, `OSDPPlatform`, `DynamicsCRM`, `PowerBIcom`, …); the rest are
 * plausible. Issue id prefixes follow Microsoft's style (EX…, TM…, SP…, MO…, CR…).
 */

/** A simulated admin account. */
export interface SimAdmin {
  oid: string;
  upn: string;
  name: string;
}

/** A simulated Entra tenant. */
export interface SimTenantDef {
  tenantId: string;
  /** The custom (default) domain, e.g. `contoso.com`. */
  domain: string;
  /** The initial `*.onmicrosoft.com` domain. */
  initialDomain: string;
  displayName: string;
  countryLetterCode: string;
  city: string;
  createdDateTime: string;
  admins: SimAdmin[];
  /** Service ids this tenant is not subscribed to (tenants differ). */
  withoutServices: string[];
}

export const TENANTS: readonly SimTenantDef[] = [
  {
    tenantId: '4a1f8c2e-7b3d-4e6a-9c5f-1d2e3f4a5b6c',
    domain: 'contoso.com',
    initialDomain: 'contoso.onmicrosoft.com',
    displayName: 'Contoso Ltd',
    countryLetterCode: 'US',
    city: 'Redmond',
    createdDateTime: '2019-03-14T16:22:41Z',
    admins: [
      { oid: '0c6b2f4e-8a1d-4f3b-b7e2-5a9c1d3e7f01', upn: 'megan.bowen@contoso.com', name: 'Megan Bowen' },
      { oid: '1d7c3a5f-9b2e-4a4c-88f3-6b0d2e4f8a02', upn: 'adele.vance@contoso.com', name: 'Adele Vance' },
    ],
    withoutServices: ['DynamicsCRM'],
  },
  {
    tenantId: '9e3b5d7f-1a2c-4b8d-a6e4-3f5a7b9c1d2e',
    domain: 'fabrikam.com',
    initialDomain: 'fabrikamonline.onmicrosoft.com',
    displayName: 'Fabrikam, Inc.',
    countryLetterCode: 'NL',
    city: 'Amsterdam',
    createdDateTime: '2020-09-02T08:10:05Z',
    admins: [
      { oid: '2e8d4b6a-0c3f-4b5d-99a4-7c1e3f5a9b03', upn: 'alex.wilber@fabrikam.com', name: 'Alex Wilber' },
      { oid: '3f9e5c7b-1d4a-4c6e-8ab5-8d2f4a6b0c04', upn: 'diego.siciliani@fabrikam.com', name: 'Diego Siciliani' },
    ],
    withoutServices: ['Microsoft365Copilot', 'Bookings'],
  },
  {
    tenantId: '6c8a0e2b-4d5f-4a1c-b3d7-9e1f3a5c7b8d',
    domain: 'northwindtraders.com',
    initialDomain: 'northwindtraders.onmicrosoft.com',
    displayName: 'Northwind Traders',
    countryLetterCode: 'GB',
    city: 'London',
    createdDateTime: '2021-01-19T12:45:30Z',
    admins: [
      { oid: '4a0f6d8c-2e5b-4d7f-9bc6-9e3a5b7c1d05', upn: 'patti.fernandez@northwindtraders.com', name: 'Patti Fernandez' },
      { oid: '5b1a7e9d-3f6c-4e8a-8cd7-0f4b6c8d2e06', upn: 'lee.gu@northwindtraders.com', name: 'Lee Gu' },
      { oid: '6c2b8f0e-4a7d-4f9b-9de8-1a5c7d9e3f07', upn: 'isaiah.langer@northwindtraders.com', name: 'Isaiah Langer' },
    ],
    withoutServices: ['Intune', 'Viva', 'SwayEnterprise'],
  },
];

/** A Microsoft 365 service as Graph names it. */
export interface SimServiceDef {
  /** Graph `serviceHealth.id`, e.g. `Exchange`. */
  id: string;
  /** Graph `serviceHealth.service`, e.g. `Exchange Online`. */
  name: string;
  /** Prefix of issue ids, e.g. `EX`. */
  prefix: string;
  /** Feature groups with their features. */
  features: Array<[featureGroup: string, feature: string]>;
}

export const SERVICES: readonly SimServiceDef[] = [
  { id: 'Exchange', name: 'Exchange Online', prefix: 'EX', features: [['E-Mail and calendar access', 'Outlook on the web'], ['E-Mail timely delivery', 'Mailflow - delayed delivery from Internet'], ['Management and Provisioning', 'Tenant Administration (Provisioning, Remote PowerShell)'], ['E-Mail and calendar access', 'Exchange ActiveSync']] },
  { id: 'microsoftteams', name: 'Microsoft Teams', prefix: 'TM', features: [['Teams Components', 'Meetings'], ['Teams Components', 'Chat'], ['Teams Components', 'Calling'], ['Teams Components', 'Teams and channels']] },
  { id: 'SharePoint', name: 'SharePoint Online', prefix: 'SP', features: [['SharePoint Features', 'Sites'], ['SharePoint Features', 'Search'], ['SharePoint Features', 'Lists and libraries'], ['SharePoint Features', 'Tenant Admin']] },
  { id: 'OneDriveForBusiness', name: 'OneDrive for Business', prefix: 'OD', features: [['OneDrive for Business', 'Sync'], ['OneDrive for Business', 'Files'], ['OneDrive for Business', 'Sharing']] },
  { id: 'OSDPPlatform', name: 'Microsoft 365 suite', prefix: 'MO', features: [['Portal', 'Access'], ['Administration', 'Microsoft 365 admin center'], ['Portal', 'Sign-in']] },
  { id: 'OrgLiveID', name: 'Microsoft Entra', prefix: 'EN', features: [['Authentication', 'Sign-in'], ['Authentication', 'Multi-factor authentication'], ['Administration', 'Microsoft Entra admin center']] },
  { id: 'O365Client', name: 'Microsoft 365 apps', prefix: 'OP', features: [['Office client applications', 'Outlook'], ['Office client applications', 'Word'], ['Office client applications', 'Excel']] },
  { id: 'Intune', name: 'Microsoft Intune', prefix: 'IT', features: [['Microsoft Intune', 'Device enrollment'], ['Microsoft Intune', 'Policy deployment'], ['Microsoft Intune', 'App deployment']] },
  { id: 'PowerBIcom', name: 'Power BI', prefix: 'PB', features: [['Power BI Features', 'Report rendering'], ['Power BI Features', 'Dataset refresh'], ['Power BI Features', 'Dashboards']] },
  { id: 'DynamicsCRM', name: 'Dynamics 365 Apps', prefix: 'CR', features: [['Other', 'Other'], ['Dynamics 365 Apps', 'Customer Service'], ['Dynamics 365 Apps', 'Sales']] },
  { id: 'Planner', name: 'Planner', prefix: 'PL', features: [['Planner', 'Tasks'], ['Planner', 'Plans']] },
  { id: 'Forms', name: 'Microsoft Forms', prefix: 'FM', features: [['Microsoft Forms', 'Forms creation'], ['Microsoft Forms', 'Responses']] },
  { id: 'Viva', name: 'Microsoft Viva', prefix: 'VV', features: [['Viva Engage', 'Communities'], ['Viva Connections', 'Dashboard'], ['Viva Insights', 'Reports']] },
  { id: 'Microsoft365Defender', name: 'Microsoft Defender XDR', prefix: 'DZ', features: [['Microsoft Defender XDR', 'Incidents and alerts'], ['Microsoft Defender XDR', 'Advanced hunting'], ['Microsoft Defender XDR', 'Microsoft Defender portal']] },
  { id: 'MicrosoftPurview', name: 'Microsoft Purview', prefix: 'PV', features: [['Microsoft Purview', 'Data loss prevention'], ['Microsoft Purview', 'eDiscovery'], ['Microsoft Purview', 'Audit']] },
  { id: 'PowerApps', name: 'Power Apps', prefix: 'PA', features: [['Power Apps', 'Canvas apps'], ['Power Apps', 'Model-driven apps']] },
  { id: 'MicrosoftFlow', name: 'Power Automate', prefix: 'MF', features: [['Power Automate', 'Cloud flows'], ['Power Automate', 'Connectors']] },
  { id: 'Microsoft365Copilot', name: 'Microsoft Copilot (Microsoft 365)', prefix: 'CP', features: [['Microsoft Copilot (Microsoft 365)', 'Copilot Chat'], ['Microsoft Copilot (Microsoft 365)', 'Copilot in Teams'], ['Microsoft Copilot (Microsoft 365)', 'Copilot in Outlook']] },
  { id: 'Bookings', name: 'Microsoft Bookings', prefix: 'BK', features: [['Microsoft Bookings', 'Booking pages']] },
  { id: 'SwayEnterprise', name: 'Sway', prefix: 'SW', features: [['Sway', 'Sway web app']] },
  { id: 'Stream', name: 'Microsoft Stream', prefix: 'ST', features: [['Microsoft Stream', 'Video playback'], ['Microsoft Stream', 'Video upload']] },
];

/** An incident or advisory scenario for a service. */
export interface IssueTemplate {
  serviceId: string;
  classification: 'incident' | 'advisory';
  title: string;
  /** Present tense impact ("Users may be unable to …"). */
  impact: string;
  /** Past tense impact used once resolved ("Users may have been unable to …"). */
  impactPast: string;
  rootCause: string;
  fix: string;
}

const t = (
  serviceId: string,
  classification: 'incident' | 'advisory',
  title: string,
  impact: string,
  impactPast: string,
  rootCause: string,
  fix: string,
): IssueTemplate => ({ serviceId, classification, title, impact, impactPast, rootCause, fix });

export const ISSUE_TEMPLATES: readonly IssueTemplate[] = [
  t('Exchange', 'incident', 'Users may be unable to access their mailbox using Outlook on the web', 'Users may be unable to access their mailbox using Outlook on the web.', 'Users may have been unable to access their mailbox using Outlook on the web.', 'A recent configuration change to a portion of infrastructure that facilitates Outlook on the web connections caused authentication requests to fail.', 'We reverted the configuration change and confirmed that access was restored.'),
  t('Exchange', 'incident', 'Some users may experience delays when sending or receiving email', 'Users may experience delays when sending or receiving email messages.', 'Users may have experienced delays when sending or receiving email messages.', 'A section of mail-processing infrastructure was performing below acceptable thresholds, causing messages to queue.', 'We rebalanced traffic to healthy infrastructure and processed the queued messages.'),
  t('Exchange', 'advisory', 'Admins may see incorrect data in the mailbox usage report', 'Admins may see incorrect data in the mailbox usage report in the Microsoft 365 admin center.', 'Admins may have seen incorrect data in the mailbox usage report in the Microsoft 365 admin center.', 'A code regression in the reporting pipeline caused some usage data to be omitted.', 'We deployed a fix and reprocessed the affected reports.'),
  t('Exchange', 'advisory', 'Users may be unable to view shared calendars in the Outlook desktop client', 'Users may be unable to view shared calendars in the Outlook desktop client.', 'Users may have been unable to view shared calendars in the Outlook desktop client.', 'A recent update introduced an issue with how shared calendar permissions were evaluated.', 'We rolled back the update for affected infrastructure.'),
  t('microsoftteams', 'incident', 'Users may be unable to join Microsoft Teams meetings', 'Users may be unable to join Microsoft Teams meetings or may experience call drops.', 'Users may have been unable to join Microsoft Teams meetings or may have experienced call drops.', 'A portion of infrastructure responsible for meeting join requests became degraded after a routine update.', 'We redirected traffic to alternate infrastructure and reverted the update.'),
  t('microsoftteams', 'incident', 'Users may experience delays when sending or receiving chat messages in Microsoft Teams', 'Users may experience delays when sending or receiving chat messages in Microsoft Teams.', 'Users may have experienced delays when sending or receiving chat messages in Microsoft Teams.', 'A caching service that facilitates chat message delivery was not performing as expected.', 'We restarted the affected caching service and monitored until message delivery returned to normal.'),
  t('microsoftteams', 'advisory', 'Users may not see presence status updates in Microsoft Teams', 'Users may see outdated presence status for other users in Microsoft Teams.', 'Users may have seen outdated presence status for other users in Microsoft Teams.', 'A recent change to the presence service caused some status updates to be dropped.', 'We deployed a fix to the presence service.'),
  t('SharePoint', 'incident', 'Users may be unable to access SharePoint Online sites', 'Users may be unable to access SharePoint Online sites and may receive a 503 error.', 'Users may have been unable to access SharePoint Online sites and may have received a 503 error.', 'A recent deployment contained a code issue that caused a subset of front-end servers to become unresponsive.', 'We reverted the deployment and restarted the affected servers.'),
  t('SharePoint', 'advisory', 'Search results in SharePoint Online may be missing recently modified content', 'Users may notice that search results do not include recently modified content.', 'Users may have noticed that search results did not include recently modified content.', 'An indexing component was processing changes more slowly than expected.', 'We increased indexing capacity and processed the backlog.'),
  t('OneDriveForBusiness', 'incident', 'Users may be unable to sync files using the OneDrive sync client', 'Users may be unable to sync files using the OneDrive sync client.', 'Users may have been unable to sync files using the OneDrive sync client.', 'A service update caused sync requests to time out for a subset of users.', 'We rolled back the update and confirmed that sync resumed.'),
  t('OneDriveForBusiness', 'advisory', 'Users may see a delay when sharing files from OneDrive for Business', 'Users may see a delay before recipients can open files shared from OneDrive for Business.', 'Users may have seen a delay before recipients could open files shared from OneDrive for Business.', 'A permissions processing queue was backed up.', 'We added capacity and the queue drained.'),
  t('OSDPPlatform', 'incident', 'Users may be unable to access multiple Microsoft 365 services', 'Users may be unable to access multiple Microsoft 365 services, including Outlook on the web and Microsoft Teams.', 'Users may have been unable to access multiple Microsoft 365 services, including Outlook on the web and Microsoft Teams.', 'A networking configuration change in a portion of our infrastructure caused traffic to be routed incorrectly.', 'We reverted the networking change and rerouted traffic.'),
  t('OSDPPlatform', 'advisory', 'Admins may be unable to view some pages in the Microsoft 365 admin center', 'Admins may be unable to view some pages in the Microsoft 365 admin center.', 'Admins may have been unable to view some pages in the Microsoft 365 admin center.', 'A recent update to the admin center contained a code regression.', 'We deployed a fix to the admin center.'),
  t('OrgLiveID', 'incident', 'Users may be unable to sign in to Microsoft 365 services', 'Users may be unable to sign in to Microsoft 365 services or may receive repeated prompts for credentials.', 'Users may have been unable to sign in to Microsoft 365 services or may have received repeated prompts for credentials.', 'A token-issuance component experienced elevated latency after a capacity change.', 'We restored the previous capacity configuration.'),
  t('OrgLiveID', 'advisory', 'Users may receive multiple multi-factor authentication prompts', 'Users may receive multiple multi-factor authentication prompts when signing in.', 'Users may have received multiple multi-factor authentication prompts when signing in.', 'A change to session handling caused some authentication sessions to be discarded early.', 'We reverted the session handling change.'),
  t('O365Client', 'advisory', 'Users may experience crashes when opening Excel files that contain linked data types', 'Users may experience crashes when opening Excel files that contain linked data types.', 'Users may have experienced crashes when opening Excel files that contained linked data types.', 'A recent build of the Excel client contained a code issue.', 'We released a fixed build to the affected update channels.'),
  t('Intune', 'incident', 'Admins may be unable to enroll new devices in Microsoft Intune', 'Admins and users may be unable to enroll new devices in Microsoft Intune.', 'Admins and users may have been unable to enroll new devices in Microsoft Intune.', 'A dependency of the enrollment service was returning errors after a certificate rotation.', 'We corrected the certificate configuration.'),
  t('Intune', 'advisory', 'Policy assignments may take longer than expected to apply to devices', 'Admins may notice that policy assignments take longer than expected to apply to devices.', 'Admins may have noticed that policy assignments took longer than expected to apply to devices.', 'A processing queue for policy assignments was under higher than normal load.', 'We scaled out the processing infrastructure.'),
  t('PowerBIcom', 'incident', 'Users may be unable to load Power BI reports', 'Users may be unable to load Power BI reports and dashboards.', 'Users may have been unable to load Power BI reports and dashboards.', 'A backend cluster was not processing requests as expected after a maintenance operation.', 'We failed over to a healthy cluster.'),
  t('PowerBIcom', 'advisory', 'Scheduled dataset refreshes may be delayed in Power BI', 'Users may notice that scheduled dataset refreshes are delayed.', 'Users may have noticed that scheduled dataset refreshes were delayed.', 'A scheduling component was processing refresh requests more slowly than expected.', 'We restarted the scheduling component.'),
  t('DynamicsCRM', 'advisory', 'Installation delays within the Power Platform admin center', 'Users may experience delays when installing applications within the Power Platform admin center.', 'Users may have experienced delays when installing applications within the Power Platform admin center.', 'A deployment service was throttling installation requests more aggressively than intended.', 'We adjusted the throttling thresholds.'),
  t('DynamicsCRM', 'incident', 'Users may be unable to access Dynamics 365 environments', 'Users may be unable to access Dynamics 365 environments.', 'Users may have been unable to access Dynamics 365 environments.', 'A database failover did not complete as expected.', 'We completed the failover manually.'),
  t('Planner', 'advisory', 'Users may not see recently created tasks in Planner', 'Users may not see recently created tasks in Planner.', 'Users may not have seen recently created tasks in Planner.', 'A synchronization component was delayed.', 'We restarted the synchronization component.'),
  t('Forms', 'advisory', 'Users may be unable to export responses from Microsoft Forms to Excel', 'Users may be unable to export responses from Microsoft Forms to Excel.', 'Users may have been unable to export responses from Microsoft Forms to Excel.', 'A recent change to the export feature contained a code issue.', 'We deployed a fix.'),
  t('Viva', 'advisory', 'Users may be unable to post in Viva Engage communities', 'Users may be unable to post in Viva Engage communities.', 'Users may have been unable to post in Viva Engage communities.', 'A storage dependency returned errors for write operations.', 'We failed over to secondary storage.'),
  t('Microsoft365Defender', 'incident', 'Admins may see delays in alerts in the Microsoft Defender portal', 'Admins may see delays of up to two hours before alerts appear in the Microsoft Defender portal.', 'Admins may have seen delays of up to two hours before alerts appeared in the Microsoft Defender portal.', 'An alert-processing pipeline was not scaling as expected.', 'We scaled out the pipeline and processed the backlog.'),
  t('Microsoft365Defender', 'advisory', 'Advanced hunting queries may time out', 'Admins may find that advanced hunting queries time out.', 'Admins may have found that advanced hunting queries timed out.', 'A query-processing node was operating below expected performance thresholds.', 'We replaced the affected node.'),
  t('MicrosoftPurview', 'advisory', 'Audit log searches may return incomplete results', 'Admins may find that audit log searches return incomplete results.', 'Admins may have found that audit log searches returned incomplete results.', 'An ingestion component was delayed.', 'We reprocessed the delayed audit data.'),
  t('MicrosoftPurview', 'incident', 'Admins may be unable to create or run eDiscovery searches', 'Admins may be unable to create or run eDiscovery searches.', 'Admins may have been unable to create or run eDiscovery searches.', 'A recent deployment introduced a code regression in the search service.', 'We rolled back the deployment.'),
  t('PowerApps', 'incident', 'Users may be unable to launch canvas apps', 'Users may be unable to launch canvas apps in Power Apps.', 'Users may have been unable to launch canvas apps in Power Apps.', 'A content delivery configuration change caused app packages to fail to load.', 'We reverted the configuration change.'),
  t('MicrosoftFlow', 'incident', 'Cloud flows may fail to trigger in Power Automate', 'Users may find that cloud flows fail to trigger or run with delays.', 'Users may have found that cloud flows failed to trigger or ran with delays.', 'A trigger-processing service was impacted by a dependency outage.', 'We mitigated the dependency and replayed the missed triggers.'),
  t('Microsoft365Copilot', 'incident', 'Users may be unable to use Microsoft Copilot (Microsoft 365)', 'Users may be unable to use Microsoft Copilot (Microsoft 365) and may receive an error.', 'Users may have been unable to use Microsoft Copilot (Microsoft 365) and may have received an error.', 'A capacity change caused requests to be throttled unexpectedly.', 'We restored capacity and adjusted throttling.'),
  t('Microsoft365Copilot', 'advisory', 'Copilot in Outlook may return incomplete summaries', 'Users may find that Copilot in Outlook returns incomplete summaries of long email threads.', 'Users may have found that Copilot in Outlook returned incomplete summaries of long email threads.', 'A recent change limited the amount of content processed per request.', 'We reverted the change.'),
  t('Bookings', 'advisory', 'Users may be unable to load booking pages in Microsoft Bookings', 'Users may be unable to load booking pages in Microsoft Bookings.', 'Users may have been unable to load booking pages in Microsoft Bookings.', 'A code issue in a recent update.', 'We deployed a fix.'),
  t('SwayEnterprise', 'advisory', 'Users may be unable to create new Sway documents', 'Users may be unable to create new Sway documents.', 'Users may have been unable to create new Sway documents.', 'A storage configuration issue.', 'We corrected the storage configuration.'),
  t('Stream', 'advisory', 'Users may experience playback issues with videos in Microsoft Stream', 'Users may experience buffering or playback failures with videos in Microsoft Stream.', 'Users may have experienced buffering or playback failures with videos in Microsoft Stream.', 'A content delivery node was not performing as expected.', 'We removed the node from rotation.'),
];

/** A Message center post scenario. */
export interface MessageTemplate {
  title: string;
  category: 'planForChange' | 'stayInformed' | 'preventOrFixIssue';
  severity: 'normal' | 'high' | 'critical';
  tags: string[];
  isMajorChange: boolean;
  actionRequired: boolean;
  services: string[];
  body: string;
  /** Microsoft 365 Roadmap ids the post announces (the `RoadmapIds` detail, comma-separated). */
  roadmapIds?: string;
  /** Platforms the change reaches (the `Platforms` detail); each also gets a `<platform> rollout` status detail. */
  platforms?: string[];
}

const m = (
  title: string,
  category: MessageTemplate['category'],
  severity: MessageTemplate['severity'],
  tags: string[],
  isMajorChange: boolean,
  actionRequired: boolean,
  services: string[],
  body: string,
  extra: Pick<MessageTemplate, 'roadmapIds' | 'platforms'> = {},
): MessageTemplate => ({ title, category, severity, tags, isMajorChange, actionRequired, services, body, ...extra });

export const MESSAGE_TEMPLATES: readonly MessageTemplate[] = [
  m('Microsoft Teams: New meeting recap experience', 'stayInformed', 'normal', ['New feature', 'User impact'], false, false, ['Microsoft Teams'], 'We are introducing a new meeting recap experience that brings recordings, transcripts and shared files together in one place.', { roadmapIds: '325344', platforms: ['Desktop', 'Mac', 'Web', 'iOS', 'Android'] }),
  m('(Updated) Exchange Online: Retirement of Basic authentication for SMTP AUTH', 'planForChange', 'high', ['Updated message', 'Retirement', 'Admin impact'], true, true, ['Exchange Online'], 'We will retire Basic authentication for SMTP AUTH client submission. Update your applications to use OAuth before the retirement date.'),
  m('SharePoint Online: Updates to site sharing settings', 'planForChange', 'normal', ['Admin impact', 'Feature update'], false, false, ['SharePoint Online', 'OneDrive for Business'], 'We are updating the default sharing link settings for new sites. No action is required, but you may want to review your policies.', { roadmapIds: '124851', platforms: ['Web'] }),
  m('Microsoft Entra: Action required to update your conditional access policies', 'preventOrFixIssue', 'high', ['Admin impact', 'Action'], false, true, ['Microsoft Entra'], 'Some conditional access policies reference a deprecated setting. Review and update the listed policies to avoid unexpected sign-in prompts.'),
  m('Microsoft Intune: Plan for change to Android device administrator support', 'planForChange', 'normal', ['Retirement', 'Admin impact'], true, true, ['Microsoft Intune'], 'Intune is ending support for Android device administrator management on devices with access to Google Mobile Services.'),
  m('Power BI: New visual formatting options', 'stayInformed', 'normal', ['New feature'], false, false, ['Power BI'], 'New formatting options are rolling out for Power BI visuals, including conditional formatting for titles.', { roadmapIds: '407316', platforms: ['Web'] }),
  m('Microsoft Copilot (Microsoft 365): Copilot Chat in the Microsoft 365 app', 'stayInformed', 'normal', ['New feature', 'User impact'], true, false, ['Microsoft Copilot (Microsoft 365)', 'Microsoft 365 suite'], 'Copilot Chat is coming to the Microsoft 365 app for users with eligible licenses.', { roadmapIds: '412751, 412752', platforms: ['Web', 'Desktop', 'iOS', 'Android'] }),
  m('Microsoft Purview: Data retention for audit logs', 'planForChange', 'critical', ['Data privacy', 'Admin impact'], true, true, ['Microsoft Purview'], 'We are changing the default audit log retention period. Review your retention policies to ensure they meet your compliance requirements.'),
  m('OneDrive: Files On-Demand enabled by default on new devices', 'stayInformed', 'normal', ['User impact'], false, false, ['OneDrive for Business'], 'Files On-Demand will be enabled by default when the sync client is configured on new devices.', { platforms: ['Desktop', 'Mac'] }),
  m('Microsoft Defender XDR: Unified alert queue general availability', 'stayInformed', 'normal', ['Feature update'], false, false, ['Microsoft Defender XDR'], 'The unified alert queue is now generally available in the Microsoft Defender portal.', { roadmapIds: '398022' }),
  m('Planner: The new Planner replaces Project for the web', 'planForChange', 'normal', ['User impact', 'Retirement'], true, false, ['Planner'], 'The new Planner brings together to-do lists, plans and projects in a single experience.', { roadmapIds: '388746', platforms: ['Web', 'Desktop', 'iOS', 'Android'] }),
  m('Microsoft 365 apps: Update to minimum supported version of Microsoft 365 Apps', 'preventOrFixIssue', 'high', ['Admin impact', 'Action'], false, true, ['Microsoft 365 apps'], 'Devices running unsupported builds of Microsoft 365 Apps will stop receiving security updates. Update affected devices.'),
  m('Power Automate: Changes to flow run history retention', 'planForChange', 'normal', ['Admin impact'], false, false, ['Power Automate'], 'Flow run history will be retained for 28 days. Export run history you want to keep.'),
  m('Viva Engage: Community analytics updates', 'stayInformed', 'normal', ['Feature update'], false, false, ['Microsoft Viva'], 'Community analytics now include engagement trends over the last 365 days.'),
  m('Microsoft Forms: Updated sharing options for collaboration', 'stayInformed', 'normal', ['Feature update', 'User impact'], false, false, ['Microsoft Forms'], 'Form owners can now share collaboration links limited to specific people.', { roadmapIds: '395390', platforms: ['Web'] }),
];
