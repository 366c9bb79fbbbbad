import type {
  AuthorizationsResponse,
  ChannelResponse,
  ChannelsResponse,
  TestDeliveryResponse,
  CreateChannelRequest,
  CreateChannelResponse,
  DeliveriesResponse,
  UpdateChannelRequest,
  CreateAuthorizationResponse,
  ErrorBody,
  HealthResponse,
  HistoryQuery,
  IssueDetail,
  MessageDetail,
  MessagesQuery,
  MessagesResponse,
  OverviewResponse,
  IssuesQuery,
  IssuesResponse,
  TenantsResponse,
} from './types.js';

/**
 * A failed API call: the HTTP status (0 when the network failed) and the server's
 * `{ error: { code, message } }` when it sent one.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 for a network failure or an unreadable answer. */
    readonly status: number,
    /** The server's error code (`unauthorized`, `forbidden`, …), or `network_error`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** True for the error `fetch` rejects with when its signal aborts. */
export const isAbortError = (e: unknown): boolean => (e as Error)?.name === 'AbortError';

/**
 * A small typed client of the o365-health JSON API (DESIGN.md, "JSON API").
 * Every method takes an optional `AbortSignal`, passed on to `fetch`.
 */
export class ApiClient {
  /** @param apiBase URL prefix of the API without `/api`, e.g. `https://health.example.com`. */
  constructor(
    readonly apiBase: string,
    readonly apiKey: string | undefined,
  ) {}

  /** Sends one request and parses the JSON answer; throws {@link ApiError} when it fails. */
  async request<T>(method: string, path: string, signal?: AbortSignal, body?: unknown, accept = 'application/json'): Promise<T> {
    const headers: Record<string, string> = { accept };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.apiBase.replace(/\/+$/, '') + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        credentials: 'omit',
      });
    } catch (e) {
      if (isAbortError(e)) throw e;
      throw new ApiError(0, 'network_error', 'The service health API could not be reached.');
    }
    if (res.status === 204) return undefined as T;
    if (res.ok && accept !== 'application/json') return res as T;
    const data = (await res.json().catch(() => null)) as (T & Partial<ErrorBody>) | null;
    if (!res.ok || data === null) {
      const err = data?.error;
      throw new ApiError(
        res.status,
        err?.code ?? 'http_error',
        err?.message ?? `The service health API answered ${res.status} ${res.statusText}.`.trim(),
      );
    }
    return data;
  }

  tenants(signal?: AbortSignal) {
    return this.request<TenantsResponse>('GET', '/api/tenants', signal);
  }

  health(tenantId: string, signal?: AbortSignal) {
    return this.request<HealthResponse>('GET', `/api/tenants/${encodeURIComponent(tenantId)}/health`, signal);
  }

  issues(tenantId: string, query: IssuesQuery = {}, signal?: AbortSignal) {
    return this.request<IssuesResponse>('GET', `/api/tenants/${encodeURIComponent(tenantId)}/issues${toQuery(query)}`, signal);
  }

  /**
   * Every issue the query matches (all pages) as the server's CSV download: its text and the file
   * name the server gives it (`Content-Disposition`).
   */
  async issuesCsv(tenantId: string, query: IssuesQuery = {}, signal?: AbortSignal): Promise<{ csv: string; filename: string }> {
    const { limit: _limit, cursor: _cursor, ...filters } = query;
    const res = await this.request<Response>('GET', `/api/tenants/${encodeURIComponent(tenantId)}/issues${toQuery({ ...filters, format: 'csv' })}`, signal, undefined, 'text/csv');
    const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'o365-issues.csv';
    return { csv: await res.text(), filename };
  }

  issue(tenantId: string, issueId: string, signal?: AbortSignal) {
    return this.request<IssueDetail>(
      'GET',
      `/api/tenants/${encodeURIComponent(tenantId)}/issues/${encodeURIComponent(issueId)}`,
      signal,
    );
  }

  /** Every tenant of the key's org with its worst level, and the active issues across them. */
  overview(signal?: AbortSignal) {
    return this.request<OverviewResponse>('GET', '/api/overview', signal);
  }

  messages(tenantId: string, query: MessagesQuery = {}, signal?: AbortSignal) {
    return this.request<MessagesResponse>('GET', `/api/tenants/${encodeURIComponent(tenantId)}/messages${toQuery(query)}`, signal);
  }

  message(tenantId: string, messageId: string, signal?: AbortSignal) {
    return this.request<MessageDetail>(
      'GET',
      `/api/tenants/${encodeURIComponent(tenantId)}/messages/${encodeURIComponent(messageId)}`,
      signal,
    );
  }

  authorizations(signal?: AbortSignal) {
    return this.request<AuthorizationsResponse>('GET', '/api/authorizations', signal);
  }

  createAuthorization(label: string, returnTo?: string, signal?: AbortSignal) {
    return this.request<CreateAuthorizationResponse>('POST', '/api/authorizations', signal, {
      label,
      api: 'service-communications',
      ...(returnTo ? { returnTo } : {}),
    });
  }

  deleteAuthorization(id: string, signal?: AbortSignal) {
    return this.request<void>('DELETE', `/api/authorizations/${encodeURIComponent(id)}`, signal);
  }

  /** The org's notification channels (admin keys). */
  channels(signal?: AbortSignal) {
    return this.request<ChannelsResponse>('GET', '/api/channels', signal);
  }

  /** Adds a channel; a webhook's answer carries its signing secret, once. */
  createChannel(channel: CreateChannelRequest, signal?: AbortSignal) {
    return this.request<CreateChannelResponse>('POST', '/api/channels', signal, channel);
  }

  /** Renames, re-filters, enables or disables a channel. */
  updateChannel(id: string, patch: UpdateChannelRequest, signal?: AbortSignal) {
    return this.request<ChannelResponse>('PATCH', `/api/channels/${encodeURIComponent(id)}`, signal, patch);
  }

  deleteChannel(id: string, signal?: AbortSignal) {
    return this.request<void>('DELETE', `/api/channels/${encodeURIComponent(id)}`, signal);
  }

  /** Sends a `test` event to the channel now and tells how it went. */
  testChannel(id: string, signal?: AbortSignal) {
    return this.request<TestDeliveryResponse>('POST', `/api/channels/${encodeURIComponent(id)}/test`, signal);
  }

  /** The channel's delivery log, newest first (`limit` 1–200, default 50). */
  channelDeliveries(id: string, limit?: number, signal?: AbortSignal) {
    return this.request<DeliveriesResponse>('GET', `/api/channels/${encodeURIComponent(id)}/deliveries${limit ? `?limit=${limit}` : ''}`, signal);
  }
}

/** `?a=1&b=2` from the non-empty values of `query`, in a stable order (it is also a cache key). */
export function toQuery(query: IssuesQuery | HistoryQuery | MessagesQuery): string {
  const params = new URLSearchParams();
  const q = query as Record<string, string | number | boolean | null | undefined>;
  for (const key of Object.keys(q).sort()) {
    const value = q[key];
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}
