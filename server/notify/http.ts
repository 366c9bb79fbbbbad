/**
 * The one HTTP request a delivery makes: a POST to a checked target (ssrf.ts), connected to the
 * address that was checked (node:http(s) with a pinned `lookup`, so a second DNS answer cannot
 * switch it), TLS verified against the URL's host name, no redirect followed, a short time-out for
 * the whole exchange, and at most a short excerpt of the response body read.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolveTarget, type Resolve, type TargetPolicy } from './ssrf.js';

/** Longest wait for a target: connection, request and the response's head and excerpt. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** The most of a response body kept (for the delivery log's `error`). */
export const EXCERPT_BYTES = 512;

export interface PostResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** The first bytes of the body (at most {@link EXCERPT_BYTES}), as text. */
  excerpt: string;
}

export interface PostOptions extends TargetPolicy {
  headers: Record<string, string>;
  body: string;
  timeoutMs?: number;
  resolve?: Resolve;
}

/**
 * POSTs `body` to `target` after resolving and checking it. Rejects with `TargetRefusedError`
 * when the target is not allowed (now), and with a network error (or a time-out) when the
 * exchange fails; any HTTP answer, redirects included, resolves.
 */
export async function postToTarget(target: string, options: PostOptions): Promise<PostResult> {
  const checked = await resolveTarget(target, options, options.resolve);
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const pinned: LookupFunction = (_host, lookupOptions, callback) => {
    // Node asks for every address when it may try several (autoSelectFamily); give it the one.
    if ((lookupOptions as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: checked.address, family: checked.family }]);
    else callback(null, checked.address, checked.family);
  };
  const send = checked.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolve, reject) => {
    const req = send(
      checked.url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)), 'user-agent': 'o365-health' },
        lookup: pinned,
        // A fresh connection for each delivery: a pooled socket could be to another address.
        agent: false,
        servername: checked.url.protocol === 'https:' && !/^[\d.]+$|:/.test(checked.host) ? checked.host : undefined,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, excerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8') });
          res.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= EXCERPT_BYTES) done();
        });
        res.on('end', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(options.body);
  });
}
