/**
 * Sends one event through one channel and says how it went, in the terms the delivery log and
 * the retry policy need (DESIGN.md, "Notification channels"): delivered; failed for good (other
 * 4xx, a redirect, a refused target); worth retrying (network errors, 5xx, 408, 429, with the
 * target's `Retry-After`); or gone (410, which disables the channel).
 *
 * - `webhook`: the event JSON, signed per Standard Webhooks with the `standardwebhooks` package
 *   (`webhook-id` = event id, so a retry carries the same id and receivers can deduplicate).
 * - `teams`, `slack`: the bodies of render.ts.
 * - `email`: one mail per event through nodemailer over `SMTP_URL` (render.ts' threading ids).
 */
import { createTransport } from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import type { ChannelKind } from '../db/schema.js';
import type { ChangeEvent } from '../../widgets/api/types.js';
import { DELIVERY_TIMEOUT_MS, postToTarget } from './http.js';
import { emailMessage, slackMessage, teamsMessage } from './render.js';
import { TargetRefusedError, type Resolve } from './ssrf.js';

/** A channel as a sender needs it: target and secret already opened. */
export interface SendableChannel {
  id: string;
  kind: ChannelKind;
  target: string;
  secret: string | null;
}

/** How a send went. */
export interface SendOutcome {
  result: 'delivered' | 'failed' | 'retry' | 'gone';
  /** HTTP status, or the SMTP reply code of an e-mail; null when nothing answered. */
  responseStatus: number | null;
  /** What went wrong, short (a response excerpt at most); null when delivered. */
  error: string | null;
  /** The target's `Retry-After`, in milliseconds (retries only). */
  retryAfterMs?: number;
}

/** What sending needs besides the channel and the event. */
export interface SendContext {
  allowPrivateTargets: boolean;
  /** `SMTP_URL` and `SMTP_FROM`; null when e-mail is not configured. */
  smtp: { url: string; from: string } | null;
  /** Where the notifications' dashboard link points (PUBLIC_URL). */
  dashboardUrl: string;
  now: () => Date;
  timeoutMs?: number;
  resolve?: Resolve;
}

/** Control characters out and length capped, so a target's answer cannot forge log lines or fill the table. */
export function shortError(text: string, max = 300): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: Date): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** The outcome of an HTTP answer. */
export function outcomeOfStatus(status: number, excerpt: string, headers: { 'retry-after'?: string | string[]; location?: string }, now: Date): SendOutcome {
  if (status >= 200 && status < 300) return { result: 'delivered', responseStatus: status, error: null };
  const body = excerpt.trim() ? `: ${shortError(excerpt, 200)}` : '';
  if (status === 410) return { result: 'gone', responseStatus: status, error: `410 Gone${body}` };
  if (status >= 300 && status < 400) {
    return { result: 'failed', responseStatus: status, error: `${status} redirect not followed${headers.location ? ` (to ${shortError(String(headers.location), 120)})` : ''}; use the final URL as the target` };
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], now);
    return { result: 'retry', responseStatus: status, error: `HTTP ${status}${body}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { result: 'failed', responseStatus: status, error: `HTTP ${status}${body}` };
}

/** A network failure (or a refused target) as an outcome. */
function outcomeOfError(err: unknown): SendOutcome {
  if (err instanceof TargetRefusedError) return { result: err.transient ? 'retry' : 'failed', responseStatus: null, error: shortError(err.message) };
  const code = (err as NodeJS.ErrnoException).code;
  return { result: 'retry', responseStatus: null, error: shortError(`${code ? `${code}: ` : ''}${(err as Error).message || 'network error'}`) };
}

/** The Standard Webhooks headers of a body: `webhook-id`, `webhook-timestamp` (seconds), `webhook-signature`. */
export function signWebhook(secret: string, id: string, at: Date, body: string): Record<string, string> {
  // The library signs with a whole-second timestamp; the header must carry the same second.
  const timestamp = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': new Webhook(secret).sign(id, timestamp, body),
  };
}

/** Sends `event` through `channel`. Never throws: every failure is an outcome. */
export async function sendEvent(channel: SendableChannel, event: ChangeEvent, ctx: SendContext): Promise<SendOutcome> {
  try {
    if (channel.kind === 'email') return await sendMail(channel, event, ctx);
    let body: string;
    let headers: Record<string, string> = { 'content-type': 'application/json' };
    if (channel.kind === 'webhook') {
      if (!channel.secret) return { result: 'failed', responseStatus: null, error: 'The channel has no signing secret.' };
      body = JSON.stringify(event);
      headers = { ...headers, ...signWebhook(channel.secret, event.id, ctx.now(), body) };
    } else if (channel.kind === 'teams') {
      body = JSON.stringify(teamsMessage(event, ctx.dashboardUrl));
    } else {
      body = JSON.stringify(slackMessage(event, ctx.dashboardUrl));
    }
    const res = await postToTarget(channel.target, {
      allowPrivateTargets: ctx.allowPrivateTargets,
      headers,
      body,
      timeoutMs: ctx.timeoutMs ?? DELIVERY_TIMEOUT_MS,
      ...(ctx.resolve ? { resolve: ctx.resolve } : {}),
    });
    return outcomeOfStatus(res.status, res.excerpt, res.headers as { 'retry-after'?: string; location?: string }, ctx.now());
  } catch (err) {
    return outcomeOfError(err);
  }
}

/** The addresses of an e-mail target. */
export function mailRecipients(target: string): string[] {
  return target.split(',').map((a) => a.trim()).filter(Boolean);
}

/** One mail per event; 4xx SMTP replies and connection failures are retried, 5xx ones are not. */
async function sendMail(channel: SendableChannel, event: ChangeEvent, ctx: SendContext): Promise<SendOutcome> {
  if (!ctx.smtp) return { result: 'failed', responseStatus: null, error: 'E-mail is not configured on this server (SMTP_URL).' };
  const timeoutMs = ctx.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const transport = createTransport({ url: ctx.smtp.url, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  const mail = emailMessage(event, ctx.dashboardUrl);
  try {
    const info = await transport.sendMail({
      from: ctx.smtp.from,
      to: mailRecipients(channel.target),
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      ...(mail.threadId ? { inReplyTo: mail.threadId, references: [mail.threadId] } : {}),
      headers: { 'X-O365-Health-Event': event.type },
    });
    const code = Number.parseInt(String(info.response ?? '').slice(0, 3), 10);
    return { result: 'delivered', responseStatus: Number.isFinite(code) ? code : null, error: null };
  } catch (err) {
    const e = err as Error & { responseCode?: number; permanent?: boolean; response?: string; code?: string };
    const error = shortError(e.response ?? `${e.code ? `${e.code}: ` : ''}${e.message}`);
    return { result: e.permanent ? 'failed' : 'retry', responseStatus: e.responseCode ?? null, error };
  } finally {
    transport.close();
  }
}
