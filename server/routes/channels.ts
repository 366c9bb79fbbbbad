/**
 * `/api/channels` (admin keys only; DESIGN.md, "Notification channels"): list, add, change,
 * delete, test-send and read the delivery log of the org's notification channels. HTTP only:
 * input is validated here, the rules (target checks, sealing, delivery) are the core's.
 * Another org's channel is a 404, as if it did not exist.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { requireAdmin, type AppEnv } from '../auth.js';
import { ChannelInputError, FILTERABLE_EVENT_TYPES } from '../core/channels.js';
import type { Core } from '../core/index.js';
import { CHANNEL_KINDS } from '../db/schema.js';
import { badRequest, notFound } from '../errors.js';
import { validate } from '../validation.js';
import type { ChannelResponse, ChannelsResponse, CreateChannelResponse, DeliveriesResponse, TestDeliveryResponse } from '../../widgets/api/types.js';

/** 1–100 printable characters. */
const name = z
  .string({ error: 'name is required' })
  .trim()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 characters')
  .regex(/^[^\p{C}]*$/u, 'name must contain printable characters only');

const listOf = (item: z.ZodType<string>, what: string) => z.array(item, { error: `must be a list of ${what}` }).max(50, `at most 50 ${what}`);

const filters = z
  .object(
    {
      tenants: listOf(z.string().trim().min(1).max(100), 'tenant ids or labels').optional(),
      services: listOf(z.string().trim().min(1, 'a service name must not be empty').max(100), 'service names').optional(),
      classifications: listOf(z.enum(['incident', 'advisory'], { error: 'must be "incident" or "advisory"' }), 'classifications').optional(),
      events: listOf(z.enum(FILTERABLE_EVENT_TYPES, { error: `must be one of ${FILTERABLE_EVENT_TYPES.join(', ')}` }), 'event types').optional(),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'filters must be an object' : undefined) },
  )
  .strict();

const createBody = z.object({
  kind: z.enum(CHANNEL_KINDS, { error: `kind must be one of ${CHANNEL_KINDS.join(', ')}` }),
  name,
  target: z.string({ error: 'target is required' }).trim().min(1, 'target must not be empty').max(2000, 'target is too long'),
  filters: filters.optional(),
});

const patchBody = z
  .object({ name: name.optional(), filters: filters.optional(), enabled: z.boolean({ error: 'enabled must be true or false' }).optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.filters !== undefined || b.enabled !== undefined, 'give at least one of name, filters, enabled');

const channelParam = z.object({ id: z.uuid('must be a channel id') });
const deliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

const NO_SUCH_CHANNEL = 'No such channel in this organisation.';

/** Turns the core's refusals into 400s. */
async function refusal<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ChannelInputError) throw badRequest(err.message);
    throw err;
  }
}

/** `/api/channels` (admin keys only). */
export function channelRoutes(deps: { core: Core }) {
  const { core } = deps;
  return new Hono<AppEnv>()
    .use('*', requireAdmin)
    .get('/', async (c) => c.json({ channels: await core.channels.list(c.var.principal.orgId) } satisfies ChannelsResponse))
    .post('/', validate('json', createBody), async (c) => {
      const created = await core.channels.create(c.var.principal.orgId, c.req.valid('json')).catch((err: unknown) => {
        if (err instanceof ChannelInputError) throw badRequest(err.message);
        throw err;
      });
      return c.json(created satisfies CreateChannelResponse, 201);
    })
    .patch('/:id', validate('param', channelParam), validate('json', patchBody), async (c) => {
      const channel = await refusal(() => core.channels.update(c.var.principal.orgId, c.req.valid('param').id, c.req.valid('json')));
      if (!channel) throw notFound(NO_SUCH_CHANNEL);
      return c.json({ channel } satisfies ChannelResponse);
    })
    .delete('/:id', validate('param', channelParam), async (c) => {
      if (!(await core.channels.delete(c.var.principal.orgId, c.req.valid('param').id))) throw notFound(NO_SUCH_CHANNEL);
      return c.body(null, 204);
    })
    .post('/:id/test', validate('param', channelParam), async (c) => {
      const delivery = await core.channels.test(c.var.principal.orgId, c.req.valid('param').id);
      if (!delivery) throw notFound(NO_SUCH_CHANNEL);
      return c.json({ delivery } satisfies TestDeliveryResponse);
    })
    .get('/:id/deliveries', validate('param', channelParam), validate('query', deliveriesQuery), async (c) => {
      const deliveries = await core.channels.deliveries(c.var.principal.orgId, c.req.valid('param').id, c.req.valid('query').limit);
      if (!deliveries) throw notFound(NO_SUCH_CHANNEL);
      return c.json({ deliveries } satisfies DeliveriesResponse);
    });
}
