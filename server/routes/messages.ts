/**
 * `GET /api/tenants/:tenant/messages` and `GET /api/tenants/:tenant/messages/:id` (DESIGN.md,
 * "Across tenants and Message center"; viewer): a tenant's Message center posts, newest change
 * first, with filters, search and cursors, and one post with its sanitised body and details.
 *
 * Mounted at `/api/tenants` by `createApp` beside the tenants sub-app, behind API key
 * authentication (ETags, 304 and `Cache-Control` come from the `/api` chain). The `tenant` path
 * parameter is resolved through the org-visibility rule like the issues routes: a tenant id or
 * one of the org's labels; one that does not exist and one that is not visible get the same 404.
 * HTTP only: validate, resolve, call the core.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../auth.js';
import type { Core } from '../core/index.js';
import { notFound } from '../errors.js';
import { decodeMessageCursor } from '../store/messages.js';
import { optionalText, tenantParam, validate } from '../validation.js';
import { MAX_QUERY_LENGTH } from './tenants.js';
import type { MessageDetail, MessagesResponse } from '../../widgets/api/types.js';

const messageParam = tenantParam.extend({
  messageId: z.string().min(1).max(100).regex(/^[A-Za-z0-9._-]+$/, 'must be a Message center id such as MC123456'),
});

/** `true` turns a filter on; `false` or nothing leaves it off; anything else is a 400. */
const flag = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .optional()
  .transform((v) => v === 'true');

/** The messages query. */
export const messagesQuery = z.object({
  /** A Graph category in any case; a value this server does not know simply matches nothing. */
  category: z
    .string()
    .trim()
    .max(50)
    .regex(/^([A-Za-z][A-Za-z0-9]*)?$/, 'must be a category such as planForChange, preventOrFixIssue or stayInformed')
    .optional()
    .transform((v) => (v ? v : undefined)),
  service: optionalText(100),
  tag: optionalText(100),
  q: optionalText(MAX_QUERY_LENGTH),
  major: flag,
  actionRequired: flag,
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      const cursor = decodeMessageCursor(value);
      if (!cursor) {
        ctx.addIssue({ code: 'custom', message: 'is not a nextCursor value from this API' });
        return z.NEVER;
      }
      return cursor;
    }),
});

/** The messages sub-app. */
export function messageRoutes(deps: { core: Core }) {
  const { tenants, messages } = deps.core;

  /** The visible tenant named by the path, or a 404 that does not say whether it exists. */
  const visibleTenant = async (orgId: string, ref: string) => {
    const tenant = await tenants.resolve(orgId, ref);
    if (!tenant) throw notFound('No tenant with this id or label is available to this API key.');
    return tenant;
  };

  return new Hono<AppEnv>()
    .get('/:tenantId/messages', validate('param', tenantParam), validate('query', messagesQuery), async (c) => {
      const tenant = await visibleTenant(c.var.principal.orgId, c.req.valid('param').tenantId);
      return c.json((await messages.list(tenant.tenantId, c.req.valid('query'))) satisfies MessagesResponse);
    })
    .get('/:tenantId/messages/:messageId', validate('param', messageParam), async (c) => {
      const params = c.req.valid('param');
      const tenant = await visibleTenant(c.var.principal.orgId, params.tenantId);
      const message = await messages.get(tenant.tenantId, params.messageId);
      if (!message) throw notFound('This tenant has no Message center post with this id.');
      return c.json(message satisfies MessageDetail);
    });
}

/** The typed sub-app, for `hc<MessageRoutes>()`. */
export type MessageRoutes = ReturnType<typeof messageRoutes>;
