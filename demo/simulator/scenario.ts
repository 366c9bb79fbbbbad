/**
 * The simulated tenants' service health data: issues whose posts advance with the clock, Message
 * center posts and service status. Everything is generated from the seed and the start time,
 * and the Graph view of an issue is derived from the clock at request time, so a manual clock
 * gives deterministic answers.
 */
import {
  ISSUE_TEMPLATES,
  MESSAGE_TEMPLATES,
  SERVICES,
  TENANTS,
  type IssueTemplate,
  type SimServiceDef,
  type SimTenantDef,
} from './catalog.js';
import { createRandom, hashSeed, pick, randInt } from './random.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Graph `serviceHealthStatus` values (camelCase, as the service sends them). */
export const SERVICE_HEALTH_STATUSES = [
  'serviceOperational',
  'investigating',
  'restoringService',
  'verifyingService',
  'serviceRestored',
  'postIncidentReviewPublished',
  'serviceDegradation',
  'serviceInterruption',
  'extendedRecovery',
  'falsePositive',
  'investigationSuspended',
  'resolved',
  'mitigatedExternal',
  'mitigated',
  'resolvedExternal',
  'confirmed',
  'reported',
  'unknownFutureValue',
] as const;

/** Statuses after which an issue counts as resolved. */
export const RESOLVED_STATUSES: ReadonlySet<string> = new Set([
  'serviceRestored',
  'postIncidentReviewPublished',
  'falsePositive',
  'resolved',
  'resolvedExternal',
  'mitigatedExternal',
  'mitigated',
]);

/** How bad an active status is, for deriving a service's status from its issues. */
const STATUS_RANK: Record<string, number> = {
  serviceInterruption: 6,
  serviceDegradation: 5,
  extendedRecovery: 4,
  restoringService: 3,
  verifyingService: 3,
  investigating: 2,
};

/** Normalises a status to Graph's camelCase when it is a known value; unknown values pass through. */
export function normaliseStatus(value: string): string {
  const known = SERVICE_HEALTH_STATUSES.find((s) => s.toLowerCase() === value.toLowerCase());
  return known ?? value;
}

/** One step of an issue's life: from `at` on, the issue has `status`; `html` (if any) is a post. */
export interface IssuePhase {
  at: number;
  status: string;
  html: string | null;
  postType?: string;
}

/** An issue as the simulator stores it (its Graph view depends on the time it is read). */
export interface SimIssue {
  id: string;
  serviceId: string;
  service: string;
  title: string;
  impact: string;
  impactPast: string;
  classification: string;
  origin: string;
  feature: string;
  featureGroup: string;
  highImpact: boolean | null;
  details: Array<{ name: string; value: string }>;
  startAt: number;
  /** Sorted by `at`. */
  phases: IssuePhase[];
  /** Set by the control API; wins over the status-derived value. */
  resolvedOverride?: boolean;
}

/** Graph `serviceHealthIssue` JSON. */
export interface GraphIssue {
  startDateTime: string;
  endDateTime: string | null;
  lastModifiedDateTime: string;
  title: string;
  id: string;
  impactDescription: string;
  classification: string;
  origin: string;
  status: string;
  service: string;
  feature: string;
  featureGroup: string;
  isResolved: boolean;
  highImpact: boolean | null;
  details: Array<{ name: string; value: string }>;
  posts: Array<{ createdDateTime: string; postType: string; description: { contentType: string; content: string } }>;
}

/** Graph `serviceUpdateMessage` JSON. */
export interface GraphMessage {
  startDateTime: string;
  endDateTime: string | null;
  lastModifiedDateTime: string;
  title: string;
  id: string;
  category: string;
  severity: string;
  tags: string[];
  isMajorChange: boolean;
  actionRequiredByDateTime: string | null;
  services: string[];
  expiryDateTime: string | null;
  details: Array<{ name: string; value: string }>;
  body: { contentType: string; content: string };
  viewPoint: null;
}

/** Graph `serviceHealth` JSON (without issues). */
export interface GraphServiceHealth {
  service: string;
  status: string;
  id: string;
}

/** ISO date-time without milliseconds, as Graph prints start and end times. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** ISO date-time with milliseconds, as Graph prints `lastModifiedDateTime`. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

const longDate = new Intl.DateTimeFormat('en-US', {
  weekday: 'long',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZone: 'UTC',
});

/** "Tuesday, November 14, 2023, at 6:00 PM UTC", the way service health posts print times. */
export function formatPostTime(ms: number): string {
  const parts = longDate.formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('weekday')}, ${get('month')} ${get('day')}, ${get('year')}, at ${get('hour')}:${get('minute')} ${get('dayPeriod')} UTC`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

const SCOPES = [
  'This issue could potentially affect any of your users attempting to use the affected feature.',
  'Impact is specific to a subset of users who are served through the affected infrastructure.',
  'Some users in North America and Europe may be affected.',
  'Your organization is affected by this event, and some users may be impacted.',
];

/** Paces of the lifecycle: realistic (hours) or live demo (minutes). */
interface Pace {
  detect: [number, number];
  identify: [number, number];
  mitigate: [number, number];
  recover: [number, number];
  review: [number, number];
  cadence: number;
}

const REALISTIC: Pace = {
  detect: [10 * MINUTE, 40 * MINUTE],
  identify: [30 * MINUTE, 75 * MINUTE],
  mitigate: [60 * MINUTE, 180 * MINUTE],
  recover: [45 * MINUTE, 120 * MINUTE],
  review: [3 * DAY, 5 * DAY],
  cadence: 60 * MINUTE,
};

const LIVE: Pace = {
  detect: [1 * MINUTE, 2 * MINUTE],
  identify: [3 * MINUTE, 4 * MINUTE],
  mitigate: [3 * MINUTE, 5 * MINUTE],
  recover: [3 * MINUTE, 5 * MINUTE],
  review: [10 * MINUTE, 15 * MINUTE],
  cadence: 5 * MINUTE,
};

function span(rand: () => number, [min, max]: [number, number]): number {
  return Math.round(min + rand() * (max - min)) + randInt(rand, 0, 59_999) % 1000;
}

function post(template: IssueTemplate, lines: Array<[string, string] | string>): string {
  const head: Array<[string, string]> = [
    ['Title', template.title],
    ['User impact', template.impact],
  ];
  return [...head, ...lines]
    .map((line) => (typeof line === 'string' ? `<p>${escapeHtml(line)}</p>` : `<p><b>${line[0]}:</b> ${escapeHtml(line[1])}</p>`))
    .join('\n');
}

/**
 * Builds the phases of one issue from its start: investigating → degradation or interruption →
 * restoring service → service restored → post-incident review published (incidents), or a
 * shorter advisory path; sometimes a false positive.
 */
function buildPhases(rand: () => number, template: IssueTemplate, startAt: number, pace: Pace): IssuePhase[] {
  const scope = pick(rand, SCOPES);
  const phases: IssuePhase[] = [];
  let at = startAt + span(rand, pace.detect);
  const next = (from: number) => formatPostTime(from + pace.cadence);
  const incident = template.classification === 'incident';

  if (incident && rand() < 0.06) {
    phases.push({ at, status: 'investigating', html: post(template, [['Current status', "We're investigating a potential issue and checking for impact to your organization."], ['Next update by', next(at)]]) });
    at += span(rand, pace.identify);
    phases.push({ at, status: 'falsePositive', html: post(template, [['Final status', 'After further investigation, we determined that the service was not affected. This event was a false positive.'], 'This is the final update for the event.']) });
    return phases;
  }
  if (incident) {
    phases.push({ at, status: 'investigating', html: post(template, [['Current status', "We're investigating a potential issue and checking for impact to your organization. We'll provide an update within 30 minutes."], ['Next update by', next(at)]]) });
    at += span(rand, pace.identify);
  }
  const impacted = incident && rand() < 0.35 ? 'serviceInterruption' : 'serviceDegradation';
  phases.push({ at, status: impacted, html: post(template, [['Current status', `We've identified that ${lowerFirst(template.rootCause)} We're developing a mitigation plan.`], ['Scope of impact', scope], ['Next update by', next(at)]]) });
  const updates = randInt(rand, 0, 1);
  for (let i = 0; i < updates; i++) {
    at += Math.round(span(rand, pace.mitigate) / 2);
    phases.push({ at, status: impacted, html: post(template, [['Current status', "We're continuing to work on the mitigation and are monitoring the service to confirm that impact is reducing."], ['Scope of impact', scope], ['Next update by', next(at)]]) });
  }
  at += span(rand, pace.mitigate);
  phases.push({ at, status: 'restoringService', html: post(template, [['Current status', `${template.fix} We're monitoring the service as it recovers.`], ['Scope of impact', scope], ['Next update by', next(at)]]) });
  at += span(rand, pace.recover);
  const endAt = at;
  phases.push({
    at,
    status: 'serviceRestored',
    html: post(template, [
      ['Final status', `We've confirmed that the issue is resolved. ${template.fix}`],
      ['Scope of impact', scope],
      ['Start time', formatPostTime(startAt)],
      ['End time', formatPostTime(endAt)],
      ['Root cause', template.rootCause],
      ['Next steps', "We're reviewing our procedures to help prevent similar problems in the future."],
      'This is the final update for the event.',
    ]),
  });
  if (incident && rand() < 0.6) {
    at += span(rand, pace.review);
    phases.push({ at, status: 'postIncidentReviewPublished', html: '<p>A post-incident report has been published. Administrators can find the report in the Microsoft 365 admin center under Service health, in the History tab.</p>' });
  }
  return phases;
}

/** The Graph view of an issue at `now`, or null when it has not appeared yet. */
export function viewIssue(issue: SimIssue, now: number): GraphIssue | null {
  const phases = issue.phases.filter((p) => p.at <= now);
  if (phases.length === 0) return null;
  const last = phases[phases.length - 1];
  const isResolved = issue.resolvedOverride ?? RESOLVED_STATUSES.has(last.status);
  const resolvedAt = phases.find((p) => RESOLVED_STATUSES.has(p.status))?.at ?? last.at;
  return {
    startDateTime: isoSeconds(issue.startAt),
    endDateTime: isResolved ? isoSeconds(resolvedAt) : null,
    lastModifiedDateTime: isoMillis(last.at),
    title: issue.title,
    id: issue.id,
    impactDescription: isResolved ? issue.impactPast : issue.impact,
    classification: issue.classification,
    origin: issue.origin,
    status: last.status,
    service: issue.service,
    feature: issue.feature,
    featureGroup: issue.featureGroup,
    isResolved,
    highImpact: issue.highImpact,
    details: issue.details.map((d) => ({ ...d })),
    posts: phases
      .filter((p) => p.html !== null)
      .map((p) => ({
        createdDateTime: isoMillis(p.at),
        postType: p.postType ?? 'regular',
        description: { contentType: 'html', content: p.html as string },
      })),
  };
}

/**
 * A later revision of a Message center post, scheduled at generation: at `at` Graph shows the
 * post with `lastModifiedDateTime` = `at`, an "(Updated)" title, the `Updated message` tag, the
 * note at the top of the body and every platform's rollout status one step on.
 */
export interface MessageUpdate {
  at: number;
  note: string;
}

/** What `PATCH /_simulator/tenants/:tenantId/messages/:id` may change. */
export type MessageChange = Partial<Pick<GraphMessage, 'title' | 'category' | 'severity' | 'tags' | 'isMajorChange' | 'actionRequiredByDateTime' | 'endDateTime' | 'details'>> & {
  body?: { contentType?: string; content: string };
  /** Add "(Updated)" and the `Updated message` tag (default true). */
  markUpdated?: boolean;
};

/** A Message center post (`serviceUpdateMessage`). */
export interface SimMessage {
  startAt: number;
  /** The post as first published (before any of `updates`). */
  json: GraphMessage;
  /** Revisions that appear as the clock passes them (generated posts only), oldest first. */
  updates?: MessageUpdate[];
}

/** The rollout statuses of a platform, in order (the `<platform> rollout` details). */
export const ROLLOUT_STATUSES = ['Scheduled', 'Rolling out', 'Complete'] as const;

const ROLLOUT_SUFFIX = ' rollout';

const shortDate = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });

/** Marks a post as updated the way Microsoft does: "(Updated)" title and the `Updated message` tag. */
function markUpdated(json: GraphMessage): void {
  if (!json.title.startsWith('(Updated)')) json.title = `(Updated) ${json.title}`;
  if (!json.tags.includes('Updated message')) json.tags.unshift('Updated message');
}

/** The Graph view of a post at `now`: its first version with every update due by then applied. */
export function viewMessage(message: SimMessage, now: number): GraphMessage {
  const due = message.updates?.filter((u) => u.at <= now) ?? [];
  if (due.length === 0) return message.json;
  const json = cloneMessage({ startAt: message.startAt, json: message.json }).json;
  for (const update of due) {
    json.lastModifiedDateTime = isoMillis(update.at);
    markUpdated(json);
    json.body.content = `<p>Updated ${shortDate.format(new Date(update.at))}: ${escapeHtml(update.note)}</p>${json.body.content}`;
    json.details = json.details.map((d) => {
      if (!d.name.endsWith(ROLLOUT_SUFFIX)) return d;
      const step = ROLLOUT_STATUSES.indexOf(d.value as (typeof ROLLOUT_STATUSES)[number]);
      return { ...d, value: ROLLOUT_STATUSES[Math.min(ROLLOUT_STATUSES.length - 1, step + 1)] ?? d.value };
    });
  }
  return json;
}

/** What an update of a post says. */
const UPDATE_NOTES = [
  'We have updated the rollout timeline below.',
  'Rollout has started; we have updated the timeline and the platforms below.',
  'We have added more details on how this affects your organization.',
  'The rollout is taking longer than planned. The updated timeline is below.',
];

/** One tenant's data and simulated configuration. */
export interface SimTenant {
  def: SimTenantDef;
  services: SimServiceDef[];
  issues: Map<string, SimIssue>;
  messages: SimMessage[];
  /** Service statuses pinned through the control API (service id → status). */
  serviceOverrides: Map<string, string>;
  /**
   * True for the synthetic load-test tenants of {@link WorldOptions.extraTenants}. Their admins are
   * offered on the multi-tenant sign-in page only when a `login_hint` or `domain_hint` names them.
   */
  synthetic?: boolean;
}

function makeIssue(
  rand: () => number,
  id: string,
  template: IssueTemplate,
  service: SimServiceDef,
  startAt: number,
  pace: Pace,
): SimIssue {
  const [featureGroup, feature] = pick(rand, service.features);
  const phases = buildPhases(rand, template, startAt, pace);
  return {
    id,
    serviceId: service.id,
    service: service.name,
    title: template.title,
    impact: template.impact,
    impactPast: template.impactPast,
    classification: template.classification,
    origin: 'microsoft',
    feature,
    featureGroup,
    highImpact: phases.some((p) => p.status === 'serviceInterruption') && rand() < 0.5 ? true : null,
    details: rand() < 0.3 ? [{ name: 'NotifyInApp', value: 'True' }] : [],
    startAt,
    phases,
  };
}

function cloneIssue(issue: SimIssue): SimIssue {
  return { ...issue, details: issue.details.map((d) => ({ ...d })), phases: issue.phases.map((p) => ({ ...p })) };
}

function cloneMessage(message: SimMessage): SimMessage {
  const j = message.json;
  return {
    startAt: message.startAt,
    json: { ...j, tags: [...j.tags], services: [...j.services], details: j.details.map((d) => ({ ...d })), body: { ...j.body } },
    ...(message.updates ? { updates: message.updates.map((u) => ({ ...u })) } : {}),
  };
}

/** A Message center post from a template, started up to 45 days before `t0` (consumes `rand` in a fixed order). */
function messageJson(rand: () => number, template: (typeof MESSAGE_TEMPLATES)[number], id: string, t0: number): SimMessage {
  const startAt = Math.floor((t0 - randInt(rand, 1, 45) * DAY - randInt(rand, 0, 23) * HOUR) / MINUTE) * MINUTE;
  const modified = Math.min(t0 - MINUTE, startAt + randInt(rand, 0, 10) * DAY + randInt(rand, 0, 86_399_999));
  const endAt = startAt + randInt(rand, 30, 120) * DAY;
  // Each platform's rollout starts a week after the one before, two weeks after the post; its
  // status is the one at generation (it moves on only with an update, which bumps lastModified).
  const rolloutAt = startAt + 14 * DAY;
  const rollout = (template.platforms ?? []).map((platform, i) => {
    const begins = rolloutAt + i * 7 * DAY;
    const status = t0 < begins ? ROLLOUT_STATUSES[0] : t0 < begins + 28 * DAY ? ROLLOUT_STATUSES[1] : ROLLOUT_STATUSES[2];
    return { name: `${platform}${ROLLOUT_SUFFIX}`, value: status };
  });
  const json: GraphMessage = {
    startDateTime: isoSeconds(startAt),
    endDateTime: isoSeconds(endAt),
    lastModifiedDateTime: isoMillis(modified),
    title: template.title,
    id,
    category: template.category,
    severity: template.severity,
    tags: [...template.tags],
    isMajorChange: template.isMajorChange,
    actionRequiredByDateTime: template.actionRequired ? isoSeconds(startAt + randInt(rand, 30, 90) * DAY) : null,
    services: [...template.services],
    expiryDateTime: rand() < 0.5 ? null : isoSeconds(endAt),
    details: [
      { name: 'Summary', value: template.body.split(/(?<=\.)\s/)[0]! },
      ...(template.roadmapIds ? [{ name: 'RoadmapIds', value: template.roadmapIds }] : []),
      ...(template.platforms ? [{ name: 'Platforms', value: template.platforms.join(', ') }] : []),
      ...rollout,
      { name: 'ExternalLink', value: `https://learn.microsoft.com/microsoft-365/admin/manage/message-center?mc=${id}` },
    ],
    body: {
      contentType: 'html',
      content: `<p>${escapeHtml(template.body)}</p><p>[When this will happen:]</p><p>Rollout will begin in ${formatPostTime(rolloutAt).split(', at')[0]} and is expected to complete within four weeks.</p><p>[How this will affect your organization:]</p><p>Review the change and update your user training and documentation as appropriate.</p>`,
    },
    viewPoint: null,
  };
  // A post revised more than five days after it was published says so (Microsoft's convention).
  if (modified - startAt > 5 * DAY || template.title.startsWith('(Updated)')) markUpdated(json);
  return { startAt, json };
}

/**
 * The revisions a generated post gets after the simulator starts (about half of them get one,
 * some a second), from their own random stream so the rest of the world does not change: within
 * hours of `t0`, or minutes in live mode.
 */
function messageUpdates(seed: number, id: string, t0: number, live: boolean): MessageUpdate[] {
  const r = createRandom(hashSeed(seed, 'message-update', id));
  if (r() >= 0.5) return [];
  const step = live ? MINUTE : HOUR;
  const first = t0 + randInt(r, live ? 4 : 2, live ? 40 : 36) * step;
  const updates = [{ at: first, note: pick(r, UPDATE_NOTES) }];
  if (r() < 0.3) updates.push({ at: first + randInt(r, live ? 10 : 12, live ? 60 : 96) * step, note: pick(r, UPDATE_NOTES) });
  return updates;
}

/** Options of the generated world. */
export interface WorldOptions {
  seed: number;
  /** The time the simulator started; history and active issues are placed around it. */
  startAt: number;
  /** Live mode: lifecycles in minutes, and a new issue every so often. */
  live: boolean;
  /**
   * Synthetic tenants added after the catalog's (for load tests), 0 by default. They never change
   * the catalog tenants' data. See {@link extraTenantDef} for their ids and domains.
   */
  extraTenants?: number;
}

/** Most synthetic tenants a world can have. */
export const MAX_EXTRA_TENANTS = 100_000;

/**
 * The definition of synthetic tenant `n` (1-based): tenant id `e0000000-0000-4000-8000-<n, 12 digits>`,
 * domain `t<n, 5 digits>.bench.example`, one admin `admin@<domain>` with oid
 * `ad000000-0000-4000-8000-<n, 12 digits>`. Deterministic, independent of the seed.
 */
export function extraTenantDef(n: number): SimTenantDef {
  const num = String(n).padStart(12, '0');
  const label = `t${String(n).padStart(5, '0')}`;
  const domain = `${label}.bench.example`;
  return {
    tenantId: `e0000000-0000-4000-8000-${num}`,
    domain,
    initialDomain: `${label}bench.onmicrosoft.com`,
    displayName: `Bench Tenant ${String(n).padStart(5, '0')}`,
    countryLetterCode: 'US',
    city: 'Seattle',
    createdDateTime: '2022-06-01T00:00:00Z',
    admins: [{ oid: `ad000000-0000-4000-8000-${num}`, upn: `admin@${domain}`, name: `Bench Admin ${n}` }],
    withoutServices: [],
  };
}

/** Services a synthetic tenant may lack (the core workloads are always there). */
const OPTIONAL_SERVICES = ['DynamicsCRM', 'Microsoft365Copilot', 'Bookings', 'Intune', 'Viva', 'SwayEnterprise', 'Stream', 'PowerBIcom'];

/** Interval at which live mode adds a new issue. */
const LIVE_INTERVAL = 12 * MINUTE;

/**
 * What of a world differs from what its options generate: enough to rebuild it exactly after a
 * restart (the generation is deterministic given seed, start time, live flag and extra tenants).
 */
export interface WorldSnapshot {
  seed: number;
  live: boolean;
  extraTenants: number;
  /** The start time the generated data is placed around (the first start's, kept across restarts). */
  startAt: number;
  /** The counter new issue ids are drawn from (only grows). */
  nextNumber: number;
  /** How many live-mode issues have been generated so far. */
  liveGenerated: number;
  /**
   * The live-mode issues generated so far, by number (each is regenerated from the seed and its
   * number, so only where it went is kept; a changed one is also in `tenants[…].issues`).
   */
  liveIssues: Array<{ n: number; tenantId: string; id: string; startAt: number }>;
  /**
   * Per tenant id: issues created or changed since generation (whole), ids deleted, pinned
   * statuses, and Message center posts added through the control API.
   */
  tenants: Record<string, { issues: SimIssue[]; deletedIssueIds: string[]; serviceOverrides: Record<string, string>; messages: SimMessage[]; deletedMessageIds?: string[] }>;
}

/** All simulated tenants and their data. */
export class World {
  readonly tenants: SimTenant[];
  private readonly options: WorldOptions;
  private nextNumber: number;
  private liveGenerated = 0;
  /** Live issues are due every {@link LIVE_INTERVAL} from `liveBase`, counting on from `liveBaseCount`. */
  private liveBase: number;
  private liveBaseCount = 0;
  /** The catalog tenants come first in {@link tenants}; live mode only touches them. */
  private readonly catalogCount: number;
  /** Lower-cased tenant id, domain and initial domain → tenant. */
  private readonly index = new Map<string, SimTenant>();
  /** Ids given explicitly through the control API; generated ids skip them. */
  private readonly reservedIds = new Set<string>();
  /** Per tenant id: ids of issues that differ from the generated data, and ids deleted. */
  private readonly changedIssues = new Map<string, Set<string>>();
  private readonly deletedIssues = new Map<string, Set<string>>();
  /** Per tenant id: Message center posts Graph no longer returns (control API). */
  private readonly deletedMessages = new Map<string, Set<string>>();
  /** Per tenant id: Message center posts added through the control API. */
  private readonly addedMessages = new Map<string, SimMessage[]>();
  /** Every Message center id in use (built on first need; generated message ids skip them). */
  private messageIds: Set<string> | null = null;
  /** Live issues generated so far (see {@link WorldSnapshot.liveIssues}). */
  private readonly liveIssues: WorldSnapshot['liveIssues'] = [];
  /** Called after every change a restart would otherwise lose (issues, statuses, live progress). */
  onChange: () => void = () => {};

  constructor(options: WorldOptions) {
    this.options = options;
    this.liveBase = options.startAt;
    const rand = createRandom(hashSeed(options.seed, 'world'));
    this.nextNumber = randInt(rand, 700_000, 900_000);
    this.tenants = TENANTS.map((def) => ({
      def,
      services: SERVICES.filter((s) => !def.withoutServices.includes(s.id)),
      issues: new Map(),
      messages: [],
      serviceOverrides: new Map(),
    }));
    this.catalogCount = this.tenants.length;
    this.generateIssues(rand);
    this.generateMessages(rand);
    const extra = options.extraTenants ?? 0;
    if (!Number.isInteger(extra) || extra < 0 || extra > MAX_EXTRA_TENANTS) {
      throw new RangeError(`extraTenants must be an integer from 0 to ${MAX_EXTRA_TENANTS}, got ${extra}`);
    }
    if (extra > 0) this.addExtraTenants(extra);
    for (const t of this.tenants) {
      for (const key of [t.def.tenantId, t.def.domain, t.def.initialDomain]) {
        if (!this.index.has(key.toLowerCase())) this.index.set(key.toLowerCase(), t);
      }
    }
  }

  /** A new issue id with the service's prefix, e.g. `EX812345`; never one given explicitly before. */
  newIssueId(serviceId: string): string {
    const service = SERVICES.find((s) => s.id === serviceId);
    let id: string;
    do {
      this.nextNumber += 1 + (this.nextNumber % 7);
      id = `${service?.prefix ?? 'MO'}${this.nextNumber}`;
    } while (this.reservedIds.has(id));
    return id;
  }

  /** The start time the generated data is placed around. */
  get startAt(): number {
    return this.options.startAt;
  }

  private markChanged(tenant: SimTenant, id: string): void {
    const key = tenant.def.tenantId;
    let set = this.changedIssues.get(key);
    if (!set) this.changedIssues.set(key, (set = new Set()));
    set.add(id);
  }

  /**
   * Adds an issue to a tenant (control API). An explicit id is reserved, so generated ids never
   * reuse it in another tenant; the same id in several tenants is one incident reaching them.
   */
  addIssue(tenant: SimTenant, issue: SimIssue, explicitId = false): void {
    if (explicitId) this.reservedIds.add(issue.id);
    tenant.issues.set(issue.id, issue);
    this.markChanged(tenant, issue.id);
    this.onChange();
  }

  /** Records that an issue of the tenant was changed in place (control API). */
  issueChanged(tenant: SimTenant, id: string): void {
    this.markChanged(tenant, id);
    this.onChange();
  }

  /** Removes an issue: Graph stops returning it, as Microsoft does after about 30 days. */
  deleteIssue(tenant: SimTenant, id: string): boolean {
    if (!tenant.issues.delete(id)) return false;
    this.changedIssues.get(tenant.def.tenantId)?.delete(id);
    let set = this.deletedIssues.get(tenant.def.tenantId);
    if (!set) this.deletedIssues.set(tenant.def.tenantId, (set = new Set()));
    set.add(id);
    this.onChange();
    return true;
  }

  /** A new Message center id (`MC` and six or more digits) that no tenant uses. */
  newMessageId(): string {
    const used = this.usedMessageIds();
    let id: string;
    do {
      this.nextNumber += 1 + (this.nextNumber % 7);
      id = `MC${this.nextNumber}`;
    } while (used.has(id));
    return id;
  }

  private usedMessageIds(): Set<string> {
    if (!this.messageIds) {
      this.messageIds = new Set();
      for (const tenant of this.tenants) for (const message of tenant.messages) this.messageIds.add(message.json.id);
    }
    return this.messageIds;
  }

  /** Adds a Message center post to a tenant (control API); the same id may reach several tenants. */
  addMessage(tenant: SimTenant, message: SimMessage): void {
    tenant.messages.push(message);
    this.usedMessageIds().add(message.json.id);
    const key = tenant.def.tenantId;
    this.addedMessages.set(key, [...(this.addedMessages.get(key) ?? []), message]);
    this.onChange();
  }

  /**
   * Revises a post as it is at `now` (control API): the changes given, `lastModifiedDateTime`
   * now, and the "(Updated)" title and `Updated message` tag unless `markUpdated` is false. From
   * then on the post follows the control API, not its generated revisions. Null when the tenant
   * shows no such post.
   */
  updateMessage(tenant: SimTenant, id: string, now: number, change: MessageChange): GraphMessage | null {
    const message = tenant.messages.find((m) => m.json.id.toLowerCase() === id.toLowerCase() && m.startAt <= now);
    if (!message) return null;
    const json = cloneMessage({ startAt: message.startAt, json: viewMessage(message, now) }).json;
    const { markUpdated: mark = true, body, ...fields } = change;
    Object.assign(json, fields, body ? { body: { contentType: body.contentType ?? 'html', content: body.content } } : {});
    json.lastModifiedDateTime = isoMillis(Math.max(now, Date.parse(json.lastModifiedDateTime) + 1));
    if (mark) markUpdated(json);
    message.json = json;
    delete message.updates;
    const key = tenant.def.tenantId;
    const kept = (this.addedMessages.get(key) ?? []).filter((m) => m.json.id !== json.id);
    this.addedMessages.set(key, [...kept, message]);
    this.onChange();
    return json;
  }

  /** Removes a Message center post: Graph stops returning it (Microsoft removes posts after a while). */
  deleteMessage(tenant: SimTenant, id: string, notify = true): boolean {
    const before = tenant.messages.length;
    tenant.messages = tenant.messages.filter((m) => m.json.id.toLowerCase() !== id.toLowerCase());
    if (tenant.messages.length === before) return false;
    const key = tenant.def.tenantId;
    this.addedMessages.set(key, (this.addedMessages.get(key) ?? []).filter((m) => m.json.id.toLowerCase() !== id.toLowerCase()));
    let set = this.deletedMessages.get(key);
    if (!set) this.deletedMessages.set(key, (set = new Set()));
    set.add(id);
    if (notify) this.onChange();
    return true;
  }

  /** Pins a service's status (`null`: back to what its issues say). */
  setServiceStatus(tenant: SimTenant, serviceId: string, status: string | null): void {
    if (status === null) tenant.serviceOverrides.delete(serviceId);
    else tenant.serviceOverrides.set(serviceId, status);
    this.onChange();
  }

  /** What a restart needs to rebuild this world as it is now. */
  snapshot(): WorldSnapshot {
    const tenants: WorldSnapshot['tenants'] = {};
    for (const tenant of this.tenants) {
      const key = tenant.def.tenantId;
      const changed = this.changedIssues.get(key);
      const deleted = this.deletedIssues.get(key);
      const messages = this.addedMessages.get(key) ?? [];
      const deletedMessages = this.deletedMessages.get(key);
      if (!changed?.size && !deleted?.size && tenant.serviceOverrides.size === 0 && messages.length === 0 && !deletedMessages?.size) continue;
      tenants[key] = {
        issues: [...(changed ?? [])].map((id) => tenant.issues.get(id)).filter((i): i is SimIssue => i !== undefined).map(cloneIssue),
        deletedIssueIds: [...(deleted ?? [])],
        serviceOverrides: Object.fromEntries(tenant.serviceOverrides),
        messages: messages.map(cloneMessage),
        ...(deletedMessages?.size ? { deletedMessageIds: [...deletedMessages] } : {}),
      };
    }
    return {
      seed: this.options.seed,
      live: this.options.live,
      extraTenants: this.options.extraTenants ?? 0,
      startAt: this.options.startAt,
      nextNumber: this.nextNumber,
      liveGenerated: this.liveGenerated,
      liveIssues: this.liveIssues.map((l) => ({ ...l })),
      tenants,
    };
  }

  /**
   * Re-applies a snapshot to a world generated with the snapshot's options. Live mode continues
   * from `now`: issues due while the simulator was stopped are skipped, not generated all at once.
   * Tenants the snapshot names that this world does not have are ignored.
   */
  restore(snapshot: WorldSnapshot, now: number): void {
    this.nextNumber = Math.max(this.nextNumber, snapshot.nextNumber);
    this.liveGenerated = snapshot.liveGenerated;
    this.liveBaseCount = snapshot.liveGenerated;
    this.liveBase = now;
    for (const live of snapshot.liveIssues) {
      const tenant = this.findTenant(live.tenantId);
      if (!tenant) continue;
      const { rand, template } = this.liveTemplate(live.n, tenant);
      const service = SERVICES.find((sv) => sv.id === template.serviceId) as SimServiceDef;
      tenant.issues.set(live.id, makeIssue(rand, live.id, template, service, live.startAt, LIVE));
      this.liveIssues.push({ ...live });
    }
    for (const [tenantId, saved] of Object.entries(snapshot.tenants)) {
      const tenant = this.findTenant(tenantId);
      if (!tenant) continue;
      for (const id of saved.deletedIssueIds) {
        tenant.issues.delete(id);
        let set = this.deletedIssues.get(tenant.def.tenantId);
        if (!set) this.deletedIssues.set(tenant.def.tenantId, (set = new Set()));
        set.add(id);
      }
      for (const issue of saved.issues) {
        tenant.issues.set(issue.id, cloneIssue(issue));
        this.markChanged(tenant, issue.id);
        // Ids of issues the generator did not make are treated as explicit (reserved).
        this.reservedIds.add(issue.id);
      }
      for (const message of saved.messages) {
        // A revised generated post replaces the generated one; an added post is new.
        const at = tenant.messages.findIndex((m) => m.json.id === message.json.id);
        if (at >= 0) tenant.messages[at] = cloneMessage(message);
        else tenant.messages.push(cloneMessage(message));
        this.addedMessages.set(tenant.def.tenantId, [...(this.addedMessages.get(tenant.def.tenantId) ?? []), cloneMessage(message)]);
      }
      for (const id of saved.deletedMessageIds ?? []) this.deleteMessage(tenant, id, false);
      this.messageIds = null;
      tenant.serviceOverrides.clear();
      for (const [serviceId, status] of Object.entries(saved.serviceOverrides)) tenant.serviceOverrides.set(serviceId, status);
    }
  }

  /** Finds a tenant by id or domain (case-insensitive). */
  findTenant(idOrDomain: string): SimTenant | undefined {
    const key = idOrDomain.toLowerCase();
    return (
      this.index.get(key) ??
      this.tenants.find((t) => t.def.tenantId === key || t.def.domain === key || t.def.initialDomain === key)
    );
  }

  /**
   * Tenants whose admins the multi-tenant sign-in page offers: every catalog tenant, plus a
   * synthetic one only when the login or domain hint names it (like typing the account name at
   * Microsoft), so the page stays small with thousands of synthetic tenants.
   */
  signInTenants(loginHint: string | null, domainHint: string | null): SimTenant[] {
    const catalog = this.tenants.slice(0, this.catalogCount);
    if (this.tenants.length === this.catalogCount) return catalog;
    const hinted = new Set<SimTenant>();
    for (const key of [domainHint, loginHint?.split('@')[1]]) {
      const tenant = key ? this.findTenant(key) : undefined;
      if (tenant?.synthetic) hinted.add(tenant);
    }
    return [...catalog, ...hinted];
  }

  private templatesFor(tenant: SimTenant): IssueTemplate[] {
    return ISSUE_TEMPLATES.filter((tpl) => tenant.services.some((s) => s.id === tpl.serviceId));
  }

  /** Places one issue, shared by the tenants given (each gets its own copy). */
  private place(rand: () => number, template: IssueTemplate, startAt: number, pace: Pace, tenants: SimTenant[]): string {
    const service = SERVICES.find((s) => s.id === template.serviceId) as SimServiceDef;
    const issue = makeIssue(rand, this.newIssueId(service.id), template, service, startAt, pace);
    for (const tenant of tenants) {
      if (tenant.services.some((s) => s.id === service.id)) tenant.issues.set(issue.id, cloneIssue(issue));
    }
    return issue.id;
  }

  private generateIssues(rand: () => number): void {
    const { startAt: t0, live } = this.options;
    const activePace = live ? LIVE : REALISTIC;
    // 30 days of resolved history; a service-wide issue reaches some tenants, not all.
    const history: Array<{ at: number; template: IssueTemplate }> = [];
    for (let i = 0; i < 70; i++) {
      history.push({ at: t0 - 30 * DAY + Math.round(rand() * 28 * DAY), template: pick(rand, ISSUE_TEMPLATES) });
    }
    history.sort((a, b) => a.at - b.at);
    for (const h of history) {
      const tenants = this.tenants.filter(() => rand() < 0.45);
      if (tenants.length) this.place(rand, h.template, h.at, REALISTIC, tenants);
    }
    // Issues active at start: every tenant gets at least two of its own, some are shared.
    this.tenants.forEach((tenant, index) => {
      const templates = this.templatesFor(tenant);
      const count = 2 + (index % 2);
      for (let i = 0; i < count; i++) {
        const startAt = t0 - (live ? randInt(rand, 1, 6) * MINUTE : randInt(rand, 20, 150) * MINUTE);
        const others = this.tenants.filter((t) => t !== tenant && rand() < 0.3);
        this.place(rand, pick(rand, templates), startAt, activePace, [tenant, ...others]);
      }
      // Something will start later too, so a long-running demo changes.
      if (!live) this.place(rand, pick(rand, templates), t0 + randInt(rand, 2, 20) * HOUR, REALISTIC, [tenant]);
    });
  }

  private generateMessages(rand: () => number): void {
    const t0 = this.options.startAt;
    let mc = randInt(rand, 700_000, 900_000);
    for (const template of MESSAGE_TEMPLATES) {
      for (let copy = 0; copy < 2; copy++) {
        mc += randInt(rand, 40, 3000);
        const generated = messageJson(rand, template, `MC${mc}`, t0);
        const updates = messageUpdates(this.options.seed, generated.json.id, t0, this.options.live);
        for (const tenant of this.tenants) {
          const subscribed = template.services.some((name) => tenant.services.some((s) => s.name === name));
          if (subscribed && rand() < 0.6) tenant.messages.push(cloneMessage({ ...generated, updates }));
        }
      }
    }
  }

  /**
   * Adds `count` synthetic tenants (see {@link extraTenantDef}) with a small data set drawn from
   * the catalog's templates: a pool of service-wide issues (30 days of history and a few active
   * ones) of which each tenant gets some, and a few Message center posts. Uses its own random
   * stream and id range, so the catalog tenants' data is the same with or without them.
   * Issues are copied per tenant (the control API may change them); message JSON is shared, read-only.
   */
  private addExtraTenants(count: number): void {
    const { startAt: t0, live, seed } = this.options;
    const rand = createRandom(hashSeed(seed, 'extra-tenants'));
    const activePace = live ? LIVE : REALISTIC;
    // Ids below the catalog range (which starts at 700 000), so they never collide.
    let number = randInt(rand, 100_000, 200_000);
    const poolIssue = (template: IssueTemplate, startAt: number, pace: Pace): SimIssue => {
      const service = SERVICES.find((sv) => sv.id === template.serviceId) as SimServiceDef;
      number += randInt(rand, 1, 7);
      return makeIssue(rand, `${service.prefix}${number}`, template, service, startAt, pace);
    };
    const history = Array.from({ length: 60 }, () => poolIssue(pick(rand, ISSUE_TEMPLATES), t0 - 30 * DAY + Math.round(rand() * 28 * DAY), REALISTIC));
    const active = Array.from({ length: 12 }, () =>
      poolIssue(pick(rand, ISSUE_TEMPLATES), t0 - (live ? randInt(rand, 1, 6) * MINUTE : randInt(rand, 20, 150) * MINUTE), activePace),
    );
    let mc = randInt(rand, 100_000, 200_000);
    const messages: SimMessage[] = MESSAGE_TEMPLATES.map((template) => {
      mc += randInt(rand, 40, 3000);
      return messageJson(rand, template, `MC${mc}`, t0);
    });

    for (let n = 1; n <= count; n++) {
      const r = createRandom(hashSeed(seed, 'extra-tenant', n));
      const without = OPTIONAL_SERVICES.filter(() => r() < 0.25);
      const def = { ...extraTenantDef(n), withoutServices: without };
      const services = SERVICES.filter((sv) => !without.includes(sv.id));
      const tenant: SimTenant = { def, services, issues: new Map(), messages: [], serviceOverrides: new Map(), synthetic: true };
      const has = (issue: SimIssue) => services.some((sv) => sv.id === issue.serviceId);
      const take = (list: SimIssue[], howMany: number) => {
        for (let i = 0; i < howMany; i++) {
          const issue = pick(r, list);
          if (has(issue) && !tenant.issues.has(issue.id)) tenant.issues.set(issue.id, cloneIssue(issue));
        }
      };
      take(history, randInt(r, 3, 8));
      take(active, randInt(r, 1, 3));
      for (const msg of messages) {
        if (msg.json.services.some((name) => services.some((sv) => sv.name === name)) && r() < 0.3) tenant.messages.push(msg);
      }
      this.tenants.push(tenant);
    }
  }

  /** In live mode, adds the issues that have appeared by `now` (deterministic for a given seed). */
  advanceLive(now: number): void {
    if (!this.options.live) return;
    const due = this.liveBaseCount + Math.floor((now - this.liveBase) / LIVE_INTERVAL);
    if (this.liveGenerated >= due) return;
    while (this.liveGenerated < due) {
      const n = ++this.liveGenerated;
      const tenant = this.tenants[n % this.catalogCount];
      const { rand, template } = this.liveTemplate(n, tenant);
      const startAt = this.liveBase + (n - this.liveBaseCount) * LIVE_INTERVAL - 2 * MINUTE;
      const id = this.place(rand, template, startAt, LIVE, [tenant]);
      this.liveIssues.push({ n, tenantId: tenant.def.tenantId, id, startAt });
    }
    this.onChange();
  }

  /** The random stream and template of live issue `n` (the issue itself follows from the stream). */
  private liveTemplate(n: number, tenant: SimTenant): { rand: () => number; template: IssueTemplate } {
    const rand = createRandom(hashSeed(this.options.seed, 'live', n));
    return { rand, template: pick(rand, this.templatesFor(tenant)) };
  }

  /** The Graph view of every issue of a tenant visible at `now`, newest change first. */
  issuesOf(tenant: SimTenant, now: number): GraphIssue[] {
    this.advanceLive(now);
    const out: GraphIssue[] = [];
    for (const issue of tenant.issues.values()) {
      const view = viewIssue(issue, now);
      if (view) out.push(view);
    }
    return out.sort((a, b) => b.lastModifiedDateTime.localeCompare(a.lastModifiedDateTime) || a.id.localeCompare(b.id));
  }

  /** Message center posts of a tenant visible at `now` (with the updates due by then), newest change first. */
  messagesOf(tenant: SimTenant, now: number): GraphMessage[] {
    return tenant.messages
      .filter((msg) => msg.startAt <= now)
      .map((msg) => viewMessage(msg, now))
      .sort((a, b) => b.lastModifiedDateTime.localeCompare(a.lastModifiedDateTime) || a.id.localeCompare(b.id));
  }

  /**
   * Status of every service of a tenant: a pinned status wins; else the worst status among the
   * service's unresolved issues; else `serviceRestored` for 8 hours after an issue ended; else
   * `serviceOperational`.
   */
  healthOf(tenant: SimTenant, now: number): Array<GraphServiceHealth & { issues: GraphIssue[] }> {
    const issues = this.issuesOf(tenant, now);
    return tenant.services.map((service) => {
      const own = issues.filter((i) => i.service === service.name);
      let status = tenant.serviceOverrides.get(service.id);
      if (!status) {
        const active = own.filter((i) => !i.isResolved);
        if (active.length) {
          status = active.reduce((worst, i) => ((STATUS_RANK[i.status] ?? 1) > (STATUS_RANK[worst] ?? 1) ? i.status : worst), active[0].status);
        } else if (own.some((i) => i.endDateTime && Date.parse(i.endDateTime) > now - 8 * HOUR)) {
          status = 'serviceRestored';
        } else {
          status = 'serviceOperational';
        }
      }
      return { service: service.name, status, id: service.id, issues: own };
    });
  }
}
