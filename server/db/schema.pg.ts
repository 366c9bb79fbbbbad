/**
 * Every table of o365-health for PostgreSQL (`DATABASE_URL=postgres://…`, DESIGN.md "Scale-out").
 * The same tables, columns, keys, indexes and defaults as `schema.ts` (SQLite), so the rows the
 * core reads and writes have the same TypeScript types on both stores; `test/server/postgres.test.ts`
 * compares the two schemas table by table and fails when one gains what the other lacks.
 * Migrations are generated from this file with `npm run db:generate:pg` into
 * `server/db/migrations-pg` and applied at start-up by `openPostgres`.
 *
 * Type choices, each made so that `$inferSelect`/`$inferInsert` equal SQLite's:
 * - Our own timestamps are `timestamp with time zone` in drizzle's `mode: 'date'`: SQLite's
 *   `timestamp_ms` integers are `Date` too, PostgreSQL keeps microseconds so a JavaScript `Date`
 *   (milliseconds) round-trips exactly, and the column stays readable and comparable in SQL
 *   (`lease_until < now()`, intervals) where bigint milliseconds would not be.
 * - Graph's timestamps stay ISO-8601 `text` as on SQLite (normalised with `toISOString()`, so text
 *   order is time order, and the exact text Graph's filters take).
 * - Booleans are `boolean` (SQLite stores 0/1 in `mode: 'boolean'`; both are `boolean` in code).
 * - The JSON columns (`services`, `tags`, `details`, `filters`, `payload`) stay `text`: the store
 *   parses and serialises them itself on SQLite, and `jsonb` would hand it parsed values instead
 *   (and reorder keys), so the same store code would see different types. A later move to `jsonb`
 *   belongs with a store that reads them as objects on both engines.
 * - Enumerations are `text` with drizzle's `enum` (a type, not a PostgreSQL `ENUM`), as on SQLite:
 *   a new value needs no migration.
 * - The two sequence keys (`events.seq`, `service_status_history.id`) are `bigint` identities read
 *   as `number`: SQLite's rowids are 64-bit, and an `integer` identity could wrap on a busy outbox.
 *
 * Scale-out columns present only here for now (they belong in `schema.ts` too once the core
 * claims tenants on both stores): on `tenants`, `lease_owner`/`lease_until` (the instance syncing
 * it and until when) and `throttled_until` (Graph's per-tenant `Retry-After` budget, honoured by
 * every instance). {@link PG_ONLY_COLUMNS} lists them for the schema comparison.
 *
 * Search keys, present only here (SQLite computes them in the query with its `fold()` function,
 * `server/db/functions.ts`): PostgreSQL's `lower()`/`upper()` do not apply Unicode's full case
 * mappings ("ß" stays "ß", so "STRASSE" would miss "Straße"), so the PostgreSQL store folds in
 * JavaScript with the same `foldForSearch` when it writes a row and searches these columns
 * (`server/store/pg/dialect.ts`): `issues.folded_search` (the folded id, title, impact, service,
 * feature and feature group, what `q` searches), `messages.folded_search` (folded id, title,
 * services and tags), `messages.folded_category`, `folded_services` and `folded_tags` (the
 * category, service and tag filters). They are written with the row by every write of it, and
 * are never read back as data.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, foreignKey, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { AUTHORIZATION_APIS, AUTHORIZATION_STATUSES, CHANNEL_KINDS, DELIVERY_STATUSES, EVENT_TYPES, ROLES } from './schema.js';

/** One of our own timestamps (SQLite: `integer … timestamp_ms`). */
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** `created_at`: set by the database when the row is inserted (the transaction's start time). */
const createdAt = () => at('created_at').notNull().default(sql`now()`);

/** Columns of this schema that SQLite's does not have yet, by table (SQL names). */
export const PG_ONLY_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  issues: ['folded_search'],
  messages: ['folded_search', 'folded_category', 'folded_services', 'folded_tags'],
};

/** A customer organisation of this server: owns API keys and authorizations. */
export const orgs = pgTable('orgs', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: createdAt(),
});

/** API keys; only the SHA-256 hash of the key is stored. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    userName: text('user_name'),
    createdAt: createdAt(),
    lastUsedAt: at('last_used_at'),
    revokedAt: at('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.keyHash), index('api_keys_org_idx').on(t.orgId)],
);

/** An org's OAuth authorization to one Microsoft 365 tenant. */
export const authorizations = pgTable(
  'authorizations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    createdBy: text('created_by').notNull(),
    label: text('label').notNull(),
    api: text('api', { enum: AUTHORIZATION_APIS }).notNull().default('service-communications'),
    tenantId: text('tenant_id'),
    status: text('status', { enum: AUTHORIZATION_STATUSES }).notNull().default('pending'),
    createdAt: createdAt(),
    updatedAt: at('updated_at').notNull(),
    lastSuccessAt: at('last_success_at'),
    lastError: text('last_error'),
    homeAccountId: text('home_account_id'),
    consentedBy: text('consented_by'),
    /** MSAL token cache, sealed. Refreshing it is serialised across instances (docs/scale-out.md). */
    tokenCache: text('token_cache'),
  },
  (t) => [index('authorizations_org_idx').on(t.orgId), index('authorizations_tenant_idx').on(t.tenantId)],
);

/** An OAuth authorization request in flight (state → PKCE verifier and nonce). */
export const oauthRequests = pgTable('oauth_requests', {
  stateHash: text('state_hash').primaryKey(),
  authorizationId: text('authorization_id')
    .notNull()
    .references(() => authorizations.id, { onDelete: 'cascade' }),
  codeVerifier: text('code_verifier').notNull(),
  nonce: text('nonce').notNull(),
  returnTo: text('return_to'),
  openerOrigin: text('opener_origin'),
  createdAt: createdAt(),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
});

/** A Microsoft 365 tenant that at least one authorization points at, with its polling state. */
export const tenants = pgTable(
  'tenants',
  {
    tenantId: text('tenant_id').primaryKey(),
    displayName: text('display_name'),
    defaultDomain: text('default_domain'),
    createdAt: createdAt(),
    nextPollAt: at('next_poll_at').notNull(),
    lastSyncAt: at('last_sync_at'),
    firstSyncAt: at('first_sync_at'),
    lastFullSyncAt: at('last_full_sync_at'),
    issuesWatermark: text('issues_watermark'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    lastError: text('last_error'),
    messagesWatermark: text('messages_watermark'),
    lastMessagesSyncAt: at('last_messages_sync_at'),
    lastFullMessagesSyncAt: at('last_full_messages_sync_at'),
    /** The instance (`INSTANCE_ID`) syncing this tenant while {@link leaseUntil} is in the future. */
    leaseOwner: text('lease_owner'),
    /** End of the current lease; past or null means any instance may claim the tenant when due. */
    leaseUntil: at('lease_until'),
    /** Graph asked to wait (`Retry-After`) until then; no instance calls Graph for the tenant before. */
    throttledUntil: at('throttled_until'),
  },
  (t) => [index('tenants_next_poll_idx').on(t.nextPollAt)],
);

/** Current health of each service of a tenant (Graph `serviceHealth`). */
export const services = pgTable(
  'services',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.tenantId, { onDelete: 'cascade' }),
    serviceId: text('service_id').notNull(),
    name: text('name').notNull(),
    status: text('status').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.serviceId] })],
);

/** Every status change of a service, for history views. */
export const serviceStatusHistory = pgTable(
  'service_status_history',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.tenantId, { onDelete: 'cascade' }),
    serviceId: text('service_id').notNull(),
    status: text('status').notNull(),
    previousStatus: text('previous_status'),
    changedAt: at('changed_at').notNull(),
  },
  (t) => [index('service_status_history_idx').on(t.tenantId, t.serviceId, t.changedAt)],
);

/** Graph `serviceHealthIssue`s of a tenant. */
export const issues = pgTable(
  'issues',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.tenantId, { onDelete: 'cascade' }),
    id: text('id').notNull(),
    title: text('title').notNull(),
    service: text('service').notNull(),
    feature: text('feature'),
    featureGroup: text('feature_group'),
    classification: text('classification').notNull(),
    status: text('status').notNull(),
    origin: text('origin'),
    isResolved: boolean('is_resolved').notNull(),
    startDateTime: text('start_date_time'),
    endDateTime: text('end_date_time'),
    lastModifiedDateTime: text('last_modified_date_time').notNull(),
    impactDescription: text('impact_description'),
    listedByMicrosoft: boolean('listed_by_microsoft').notNull().default(true),
    lastListedAt: at('last_listed_at'),
    interruptionSeen: boolean('interruption_seen').notNull().default(false),
    /** What `q` searches, folded (`foldedIssueColumns`); PostgreSQL only, see the module comment. */
    foldedSearch: text('folded_search').array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('issues_tenant_modified_idx').on(t.tenantId, t.lastModifiedDateTime),
    /**
     * The retention prune (no longer listed, modified before the cutoff). Led by the time, not by
     * `listed_by_microsoft`: an index led by that flag looked as good to SQLite's planner as the
     * tenant key for "this tenant's listed ones" and was chosen for them, reading every tenant's.
     */
    index('issues_retention_idx').on(t.lastModifiedDateTime, t.listedByMicrosoft),
  ],
);

/** Posts of an issue, in Graph's order; `html` is already sanitised. */
export const issuePosts = pgTable(
  'issue_posts',
  {
    tenantId: text('tenant_id').notNull(),
    issueId: text('issue_id').notNull(),
    position: integer('position').notNull(),
    createdDateTime: text('created_date_time').notNull(),
    postType: text('post_type').notNull(),
    html: text('html').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.issueId, t.position] }),
    foreignKey({ columns: [t.tenantId, t.issueId], foreignColumns: [issues.tenantId, issues.id] }).onDelete('cascade'),
  ],
);

/** Message center posts of a tenant (Graph `serviceUpdateMessage`); JSON columns as text. */
export const messages = pgTable(
  'messages',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.tenantId, { onDelete: 'cascade' }),
    id: text('id').notNull(),
    title: text('title').notNull(),
    category: text('category').notNull(),
    severity: text('severity').notNull(),
    isMajorChange: boolean('is_major_change').notNull().default(false),
    services: text('services').notNull().default('[]'),
    tags: text('tags').notNull().default('[]'),
    startDateTime: text('start_date_time'),
    endDateTime: text('end_date_time'),
    lastModifiedDateTime: text('last_modified_date_time').notNull(),
    actionRequiredByDateTime: text('action_required_by_date_time'),
    details: text('details').notNull().default('[]'),
    html: text('html').notNull().default(''),
    listedByMicrosoft: boolean('listed_by_microsoft').notNull().default(true),
    lastListedAt: at('last_listed_at'),
    /** The search keys of the post (`foldedMessageColumns`); PostgreSQL only, see the module comment. */
    foldedSearch: text('folded_search').array().notNull().default(sql`'{}'::text[]`),
    foldedCategory: text('folded_category').notNull().default(''),
    foldedServices: text('folded_services').array().notNull().default(sql`'{}'::text[]`),
    foldedTags: text('folded_tags').array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('messages_tenant_modified_idx').on(t.tenantId, t.lastModifiedDateTime),
    /**
     * The retention prune (no longer listed, modified before the cutoff). Led by the time, not by
     * `listed_by_microsoft`: an index led by that flag looked as good to SQLite's planner as the
     * tenant key for "this tenant's listed ones" and was chosen for them, reading every tenant's.
     */
    index('messages_retention_idx').on(t.lastModifiedDateTime, t.listedByMicrosoft),
  ],
);

/** The outbox of change events; `seq` orders the stream for `Last-Event-ID` resumption. */
export const events = pgTable(
  'events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    id: text('id').notNull(),
    tenantId: text('tenant_id').notNull(),
    type: text('type', { enum: EVENT_TYPES }).notNull(),
    occurredAt: at('occurred_at').notNull(),
    payload: text('payload').notNull(),
  },
  (t) => [uniqueIndex('events_id_idx').on(t.id), index('events_tenant_idx').on(t.tenantId, t.seq), index('events_occurred_idx').on(t.occurredAt)],
);

/** An org's notification channel; the target and the signing secret are sealed like tokens. */
export const channels = pgTable(
  'channels',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: CHANNEL_KINDS }).notNull(),
    name: text('name').notNull(),
    target: text('target').notNull(),
    targetMasked: text('target_masked').notNull(),
    secret: text('secret'),
    filters: text('filters').notNull().default('{}'),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: at('updated_at').notNull(),
    lastDeliveryAt: at('last_delivery_at'),
    lastError: text('last_error'),
  },
  (t) => [index('channels_org_idx').on(t.orgId)],
);

/** One event owed to one channel; claimed with a lease like tenants (docs/scale-out.md). */
export const deliveries = pgTable(
  'deliveries',
  {
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    nextAttemptAt: at('next_attempt_at').notNull(),
    lastAttemptAt: at('last_attempt_at'),
    responseStatus: integer('response_status'),
    error: text('error'),
    leaseUntil: at('lease_until'),
    leaseOwner: text('lease_owner'),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.eventId] }),
    index('deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('deliveries_channel_idx').on(t.channelId, t.createdAt),
    /** A channel's due deliveries, oldest first: the claim takes a few per channel (DeliveryWorker's cap). */
    index('deliveries_channel_due_idx').on(t.channelId, t.status, t.nextAttemptAt),
  ],
);
