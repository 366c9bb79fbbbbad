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

/** `app.onError` handler: known errors keep their status; anything else is a logged 500. */
export function handleError(err: Error, c: Context, log: (msg: string, err: unknown) => void = console.error) {
  if (err instanceof ApiError) return errorResponse(c, err.status as ContentfulStatusCode, err.code, err.message);
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : status >= 500 ? 'internal_error' : 'bad_request';
    return errorResponse(c, status, code, err.message || 'Request refused.');
  }
  log(`unhandled error on ${c.req.method} ${c.req.path}`, err);
  return errorResponse(c, 500, 'internal_error', 'Something went wrong on the server. The error has been logged.');
}
