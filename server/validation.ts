/**
 * zod validation at the edge (`@hono/zod-validator`) with failures in the API's JSON error shape:
 * `400 { error: { code: "validation_failed", message } }`, the message naming the field.
 */
import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import { z } from 'zod';
import { ApiError, badRequest } from './errors.js';

const TARGET_NAMES: Partial<Record<keyof ValidationTargets, string>> = {
  query: 'query parameter',
  param: 'path parameter',
  json: 'body field',
  form: 'form field',
  header: 'header',
};

/** Formats zod issues as `query parameter "limit": Too big: expected number to be <=100`. */
export function describeIssues(target: keyof ValidationTargets, issues: readonly z.core.$ZodIssue[]): string {
  const what = TARGET_NAMES[target] ?? target;
  return issues
    .slice(0, 3)
    .map((issue) => (issue.path.length ? `${what} "${issue.path.map(String).join('.')}": ${issue.message}` : `${what}: ${issue.message}`))
    .join('; ');
}

/** True for `application/json` and `application/*+json`, with or without parameters. */
export function isJsonContentType(header: string | undefined): boolean {
  const type = header?.split(';', 1)[0]!.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * `zValidator` whose failures throw a 400 `validation_failed` ApiError (handled by `app.onError`).
 * For a JSON body, a request that is not `Content-Type: application/json` (text/plain, a form, no
 * type at all) is refused with `415 unsupported_media_type` instead of being read as `{}`.
 */
export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) => {
  const inner = zValidator(target, schema, (result) => {
    if (!result.success) throw badRequest(`Invalid ${describeIssues(target, result.error.issues)}`);
  });
  if (target !== 'json') return inner;
  return (async (c, next) => {
    const type = c.req.header('content-type');
    if (!isJsonContentType(type)) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        type ? `The body must be JSON sent as "Content-Type: application/json", not ${JSON.stringify(type.slice(0, 100))}.` : 'The body must be JSON sent as "Content-Type: application/json".',
      );
    }
    return inner(c, next);
  }) as typeof inner;
};

/** The `:tenantId` path parameter of the tenant routes: a tenant id or one of the org's labels. */
export const tenantParam = z.object({ tenantId: z.string().trim().min(1).max(200) });

/** An optional query text of at most `max` characters; an empty value (`?service=`) means the filter is not set. */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));
