/**
 * The JSON error shape of the API (DESIGN.md): `{ "error": { "code", "message" } }`.
 * Routes throw {@link ApiError}; `app.onError` turns it (and anything unexpected) into that shape,
 * never leaking a stack trace to the caller.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Machine-readable error codes the API answers with. */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'internal_error'
  | 'service_unavailable';

export interface ErrorBody {
  error: { code: ErrorCode | string; message: string };
}

/** An error with an HTTP status and a message fit for the caller. */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;

  constructor(status: ContentfulStatusCode, code: ErrorCode, message: string) {
    super(status, { message });
    this.code = code;
  }
}

export const badRequest = (message: string) => new ApiError(400, 'validation_failed', message);
export const unauthorized = (message = 'A valid API key is required: send "Authorization: Bearer <key>".') =>
  new ApiError(401, 'unauthorized', message);
export const forbidden = (message = 'This API key does not have the admin role.') =>
  new ApiError(403, 'forbidden', message);
export const notFound = (message = 'Not found.') => new ApiError(404, 'not_found', message);

/** Builds the JSON error response. */
export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string) {
  const body: ErrorBody = { error: { code, message } };
  return c.json(body, status);
}

/**
 * SQLite result codes that mean "the database cannot take a write now" (disk full, read-only
 * file or mount, I/O error, locked by another process) rather than a bug: the request gets a 503
 * and, since every write is one transaction, nothing of it was stored.
 */
const UNAVAILABLE_SQLITE_CODES = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|BUSY|LOCKED|PROTOCOL|NOLFS)/;

/**
 * The same on PostgreSQL, by SQLSTATE: a read-only transaction, database or hot standby (25006),
 * insufficient resources (class 53: disk full, out of memory, too many connections), a lost or
 * refused connection (class 08), a server shutting down or starting (57P01–57P03); and the
 * driver's own errors when the server cannot be reached at all.
 */
const UNAVAILABLE_PG_CODES = /^(25006|53[0-9A-Z]{3}|08[0-9A-Z]{3}|57P0[123]|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND)$/;

/**
 * True for a database error that a retry later may not meet (see {@link UNAVAILABLE_SQLITE_CODES}
 * and {@link UNAVAILABLE_PG_CODES}), also when drizzle wrapped the driver's error (its `cause`).
 */
export function isStorageUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_SQLITE_CODES.test(code) || UNAVAILABLE_PG_CODES.test(code))) return true;
  }
  return false;
}

/** `app.onError` handler: known errors keep their status; anything else is a logged 500. */
export function handleError(err: Error, c: Context, log: (msg: string, err: unknown) => void = console.error) {
  if (err instanceof ApiError) return errorResponse(c, err.status as ContentfulStatusCode, err.code, err.message);
  if (isStorageUnavailable(err)) {
    log(`database write refused on ${c.req.method} ${c.req.path}`, err);
    c.header('Retry-After', '60');
    return errorResponse(c, 503, 'service_unavailable', 'The server cannot write to its database right now (the disk may be full or read-only). Nothing was changed; try again later.');
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : status >= 500 ? 'internal_error' : 'bad_request';
    return errorResponse(c, status, code, err.message || 'Request refused.');
  }
  log(`unhandled error on ${c.req.method} ${c.req.path}`, err);
  return errorResponse(c, 500, 'internal_error', 'Something went wrong on the server. The error has been logged.');
}
