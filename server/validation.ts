/**
 * zod validation at the edge (`@hono/zod-validator`) with failures in the API's JSON error shape:
 * `400 { error: { code: "validation_failed", message } }`, the message naming the field.
 */
import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { badRequest } from './errors.js';

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

/** `zValidator` whose failures throw a 400 `validation_failed` ApiError (handled by `app.onError`). */
export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw badRequest(`Invalid ${describeIssues(target, result.error.issues)}`);
  });
