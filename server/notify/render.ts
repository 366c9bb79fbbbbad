/**
 * What a change event looks like in each channel kind (DESIGN.md, "Notification channels"):
 * a Teams Adaptive Card, a Slack Block Kit message, an e-mail (plain text and HTML). Pure
 * functions of the event and the dashboard URL, so they are tested without a receiver.
 *
 * Every rendering says how serious the event is twice — by colour and by an icon word
 * ("🔴 Incident", "🟡 Advisory", "✅ Resolved") — so it reads the same without colour. Post bodies
 * arrive as sanitised HTML (the server stores them sanitised); they become plain text here, and
 * the e-mail's HTML part is sanitised once more with the same allow-list.
 */
import { HEALTHY_STATUSES } from '../domain.js';
import { escapeHtml, sanitizePostHtml } from '../sanitize.js';
import type { ChangeEvent } from '../../widgets/api/types.js';

/** How an event is marked: its icon word and a colour in each kind's palette. */
export interface Severity {
  /** An emoji and a word, e.g. "🔴 Incident". */
  label: string;
  /** Adaptive Card container style and text colour. */
  card: { style: 'attention' | 'warning' | 'good' | 'accent' | 'emphasis'; color: 'Attention' | 'Warning' | 'Good' | 'Accent' | 'Default' };
  /** CSS colour of the e-mail's banner (with white text, contrast at least 4.5:1). */
  css: string;
}

const SEVERITIES = {
  incident: { label: '🔴 Incident', card: { style: 'attention', color: 'Attention' }, css: '#a4262c' },
  advisory: { label: '🟡 Advisory', card: { style: 'warning', color: 'Warning' }, css: '#8a5a00' },
  resolved: { label: '✅ Resolved', card: { style: 'good', color: 'Good' }, css: '#107c10' },
  interruption: { label: '🔴 Service interruption', card: { style: 'attention', color: 'Attention' }, css: '#a4262c' },
  degradation: { label: '🟠 Service degradation', card: { style: 'warning', color: 'Warning' }, css: '#8a5a00' },
  operational: { label: '✅ Service operational', card: { style: 'good', color: 'Good' }, css: '#107c10' },
  status: { label: '🔵 Service status', card: { style: 'accent', color: 'Accent' }, css: '#005a9e' },
  reauth: { label: '⚠️ Action needed', card: { style: 'warning', color: 'Warning' }, css: '#8a5a00' },
  test: { label: '🔔 Test', card: { style: 'emphasis', color: 'Default' }, css: '#005a9e' },
} as const satisfies Record<string, Severity>;

/** The severity an event is shown with. */
export function severityOf(event: ChangeEvent): Severity {
  if (event.type === 'test') return SEVERITIES.test;
  if (event.type === 'authorization.reauth_required') return SEVERITIES.reauth;
  if (event.type === 'service.status_changed' && event.service) {
    const status = event.service.status.toLowerCase();
    if (HEALTHY_STATUSES.some((s) => s.toLowerCase() === status)) return SEVERITIES.operational;
    if (status === 'serviceinterruption') return SEVERITIES.interruption;
    if (status === 'servicedegradation') return SEVERITIES.degradation;
    return SEVERITIES.status;
  }
  if (event.type === 'issue.resolved' || event.issue?.isResolved) return SEVERITIES.resolved;
  return event.issue?.classification.toLowerCase() === 'incident' ? SEVERITIES.incident : SEVERITIES.advisory;
}

/** Graph's camelCase enum value as words: `serviceDegradation` → "Service degradation". */
export function humanize(value: string | null | undefined): string {
  if (!value) return 'Unknown';
  const words = value.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/**
 * Plain text of a post's HTML: sanitised first (so only allow-listed markup remains), block ends
 * become line breaks, list items bullets, every remaining tag goes, entities are decoded. The
 * result is text, never put back into HTML unescaped.
 */
export function htmlToText(html: string): string {
  return sanitizePostHtml(html)
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li[^>]*>/gi, '• ')
    .replace(/<\/(p|div|li|h[1-6]|tr|pre|blockquote|ul|ol|table)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1]?.toLowerCase() === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** `text` cut to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** The Microsoft 365 admin center page of an issue. */
export function adminCenterUrl(issueId: string): string {
  return `https://admin.microsoft.com/#/servicehealth/:/alerts/${encodeURIComponent(issueId)}`;
}

/** The tenant as people call it: the org's label, else Microsoft's display name, else its id. */
export function tenantName(event: ChangeEvent): string {
  return event.tenant.label || event.tenant.displayName || event.tenant.tenantId;
}

/** What happened, in a few words: "New incident", "Updated", "Resolved", … */
export function headline(event: ChangeEvent): string {
  switch (event.type) {
    case 'issue.created':
      return `New ${event.issue?.classification.toLowerCase() === 'incident' ? 'incident' : 'advisory'}`;
    case 'issue.updated':
      return 'Updated';
    case 'issue.resolved':
      return 'Resolved';
    case 'service.status_changed':
      return 'Service status changed';
    case 'authorization.reauth_required':
      return 'Authorization needs to be renewed';
    case 'test':
      return 'Test notification';
    default:
      return humanize(event.type.replace(/[._]/g, ' '));
  }
}

/** The one-line summary used as a chat message's text and an e-mail's subject. */
export function summaryLine(event: ChangeEvent): string {
  const tenant = tenantName(event);
  if (event.issue) return `${severityOf(event).label} ${event.issue.id}: ${event.issue.title} (${headline(event).toLowerCase()}, ${tenant})`;
  if (event.service) return `${severityOf(event).label}: ${event.service.name} is now ${humanize(event.service.status).toLowerCase()} (${tenant})`;
  if (event.type === 'authorization.reauth_required') return `${severityOf(event).label}: ${tenant} needs to be authorized again`;
  if (event.type === 'test') return `${severityOf(event).label}: o365-health can reach this channel`;
  return `${severityOf(event).label}: ${headline(event)} (${tenant})`;
}

/** The facts a rendering lists: label → value, in order. */
export function factsOf(event: ChangeEvent): Array<[string, string]> {
  const facts: Array<[string, string]> = [['Tenant', tenantName(event)]];
  if (event.issue) {
    facts.push(['Service', event.issue.service], ['Status', humanize(event.issue.status)], ['Classification', humanize(event.issue.classification)]);
    if (event.issue.impactDescription) facts.push(['Impact', event.issue.impactDescription]);
  } else if (event.service) {
    facts.push(['Service', event.service.name], ['Status', humanize(event.service.status)]);
    if (event.service.previousStatus) facts.push(['Was', humanize(event.service.previousStatus)]);
  } else if (event.authorization) {
    facts.push(['Authorization', event.authorization.label]);
    if (event.authorization.reason) facts.push(['Reason', event.authorization.reason]);
  }
  return facts;
}

/** The latest post as plain text (empty when the event has none). */
export function latestPostText(event: ChangeEvent): string {
  return event.issue?.latestPost ? htmlToText(event.issue.latestPost.html) : '';
}

/** Links a rendering offers: the issue in the admin center (issues only) and the dashboard. */
export function linksOf(event: ChangeEvent, dashboardUrl: string): Array<{ title: string; url: string }> {
  const links: Array<{ title: string; url: string }> = [];
  if (event.issue) links.push({ title: 'Open in the Microsoft 365 admin center', url: adminCenterUrl(event.issue.id) });
  links.push({ title: 'Open the dashboard', url: dashboardUrl });
  return links;
}

/** The Teams Workflows webhook body: one message with one Adaptive Card 1.4. */
export function teamsMessage(event: ChangeEvent, dashboardUrl: string) {
  const severity = severityOf(event);
  const post = latestPostText(event);
  const title = event.issue ? `${event.issue.id}: ${event.issue.title}` : event.service ? event.service.name : headline(event);
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            {
              type: 'Container',
              style: severity.card.style,
              bleed: true,
              items: [
                { type: 'TextBlock', text: `${severity.label} · ${headline(event)}`, weight: 'Bolder', color: severity.card.color, wrap: true },
                { type: 'TextBlock', text: truncate(title, 300), size: 'Large', weight: 'Bolder', wrap: true },
              ],
            },
            { type: 'FactSet', facts: factsOf(event).map(([title, value]) => ({ title, value: truncate(value, 500) })) },
            ...(post ? [{ type: 'TextBlock', text: truncate(post, 2000), wrap: true, isSubtle: true }] : []),
          ],
          actions: linksOf(event, dashboardUrl).map((link) => ({ type: 'Action.OpenUrl', title: link.title, url: link.url })),
        },
      },
    ],
  };
}

/** Slack's mrkdwn and plain text need `&`, `<` and `>` escaped (else `<!channel>` would notify everyone). */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The Slack incoming-webhook body: `text` (notifications, fallback) and Block Kit `blocks`. */
export function slackMessage(event: ChangeEvent, dashboardUrl: string) {
  const severity = severityOf(event);
  const post = latestPostText(event);
  const title = event.issue ? `${event.issue.id}: ${event.issue.title}` : event.service ? event.service.name : headline(event);
  return {
    text: slackEscape(summaryLine(event)),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(`${severity.label} · ${title}`, 150), emoji: true } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(`${headline(event)} · ${tenantName(event)}`) }] },
      { type: 'section', fields: factsOf(event).map(([label, value]) => ({ type: 'mrkdwn', text: truncate(`*${label}*\n${slackEscape(value)}`, 2000) })).slice(0, 10) },
      ...(post ? [{ type: 'section', text: { type: 'mrkdwn', text: truncate(slackEscape(post), 3000) } }] : []),
      {
        type: 'actions',
        elements: linksOf(event, dashboardUrl).map((link, i) => ({ type: 'button', text: { type: 'plain_text', text: link.title }, url: link.url, action_id: `link-${i}` })),
      },
    ],
  };
}

/** An e-mail of an event: subject, plain text and HTML parts, and its threading ids. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The thread every mail of one issue (or one service) of one tenant belongs to; null for tests. */
  threadId: string | null;
}

const idPart = (value: string) => value.replace(/[^A-Za-z0-9._-]/g, '_');

/** The `Message-ID` of an event's mail: derived from the event id, the same for every retry. */
export function mailMessageId(event: ChangeEvent): string {
  return `<${idPart(event.id)}@o365-health>`;
}

/** The thread id of an event's subject: `<issue-EX123-<tenant>@o365-health>` (one per issue and tenant). */
export function mailThreadId(event: ChangeEvent): string | null {
  const tenant = idPart(event.tenant.tenantId);
  if (event.issue) return `<issue-${idPart(event.issue.id)}-${tenant}@o365-health>`;
  if (event.service) return `<service-${idPart(event.service.id)}-${tenant}@o365-health>`;
  if (event.authorization) return `<authorization-${idPart(event.authorization.id)}@o365-health>`;
  return null;
}

/** The mail of an event: the subject carries the issue id and title. */
export function emailMessage(event: ChangeEvent, dashboardUrl: string): RenderedMail {
  const severity = severityOf(event);
  const facts = factsOf(event);
  const post = latestPostText(event);
  const links = linksOf(event, dashboardUrl);
  const heading = event.issue ? `${event.issue.id}: ${event.issue.title}` : event.service ? event.service.name : headline(event);
  const text = [
    `${severity.label} · ${headline(event)}`,
    heading,
    '',
    ...facts.map(([label, value]) => `${label}: ${value}`),
    ...(post ? ['', 'Latest update:', post] : []),
    '',
    ...links.map((link) => `${link.title}: ${link.url}`),
    '',
    '— o365-health',
  ].join('\n');
  const postHtml = event.issue?.latestPost ? sanitizePostHtml(event.issue.latestPost.html) : '';
  const html = [
    '<!doctype html><html><body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#201f1e">',
    `<p style="background:${severity.css};color:#ffffff;padding:8px 12px;margin:0;font-weight:bold">${escapeHtml(`${severity.label} · ${headline(event)}`)}</p>`,
    `<h1 style="font-size:20px">${escapeHtml(heading)}</h1>`,
    '<table role="presentation" style="border-collapse:collapse">',
    ...facts.map(([label, value]) => `<tr><th scope="row" style="text-align:left;padding:2px 12px 2px 0">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`),
    '</table>',
    ...(postHtml ? ['<h2 style="font-size:16px">Latest update</h2>', `<div>${postHtml}</div>`] : []),
    `<p>${links.map((link) => `<a href="${escapeHtml(link.url)}">${escapeHtml(link.title)}</a>`).join(' · ')}</p>`,
    '<p style="color:#605e5c">— o365-health</p>',
    '</body></html>',
  ].join('\n');
  return {
    // One line: a title with line breaks must not start a header of its own.
    subject: truncate((event.issue ? `${severity.label} ${event.issue.id}: ${event.issue.title} — ${tenantName(event)}` : summaryLine(event)).replace(/[\r\n\t]+/g, ' '), 250),
    text,
    html,
    messageId: mailMessageId(event),
    threadId: mailThreadId(event),
  };
}
