/**
 * Every table of o365-health. Migrations are generated from this file with
 * `npm run db:generate` (drizzle-kit) and applied at start-up by {@link openDatabase}.
 *
 * Conventions:
 * - Our own timestamps are integer milliseconds since the epoch (`timestamp_ms`).
 * - Timestamps that come from Microsoft Graph are kept as ISO-8601 text normalised with
 *   `Date#toISOString()` (fixed width, so text order is time order).
 * - Secrets never appear in clear: API keys are stored as SHA-256 hashes, OAuth state as a hash,
 *   token caches, PKCE verifiers and nonces as AES-256-GCM envelopes (see `server/crypto.ts`).
 */
import { sql } from 'drizzle-orm';
import { foreignKey, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Roles an API key may carry. */
export const ROLES = ['viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Life cycle of an authorization (DESIGN.md contract). */
export const AUTHORIZATION_STATUSES = ['pending', 'active', 'reauth_required', 'failed'] as const;
export type AuthorizationStatus = (typeof AUTHORIZATION_STATUSES)[number];

/** APIs an authorization may be for; only one exists today. */
export const AUTHORIZATION_APIS = ['service-communications'] as const;
export type AuthorizationApi = (typeof AUTHORIZATION_APIS)[number];

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

/** A customer organisation of this server: owns API keys and authorizations. */
export const orgs = sqliteTable('orgs', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: createdAt(),
});

/** API keys; only the SHA-256 hash of the key is stored. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    keyHash: text('key_hash').notNull(),
    /** The first characters of the key, shown by `keys list` so a person can tell keys apart. */
    prefix: text('prefix').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    userName: text('user_name'),
    createdAt: createdAt(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.keyHash), index('api_keys_org_idx').on(t.orgId)],
);

/** An org's OAuth authorization to one Microsoft 365 tenant. */
export const authorizations = sqliteTable(
  'authorizations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    createdBy: text('created_by').notNull(),
    label: text('label').notNull(),
    api: text('api', { enum: AUTHORIZATION_APIS }).notNull().default('service-communications'),
    /** Known only once the code is redeemed: taken from the token's `tid`, never from input. */
    tenantId: text('tenant_id'),
    status: text('status', { enum: AUTHORIZATION_STATUSES }).notNull().default('pending'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    lastSuccessAt: integer('last_success_at', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
    /** The signed-in admin's MSAL account id (`homeAccountId`), to find the account in the cache. */
    homeAccountId: text('home_account_id'),
    /** The UPN of the admin who consented. */
    consentedBy: text('consented_by'),
    /** MSAL token cache serialisation, AES-256-GCM sealed under SECRET_KEY. */
    tokenCache: text('token_cache'),
  },
  (t) => [index('authorizations_org_idx').on(t.orgId), index('authorizations_tenant_idx').on(t.tenantId)],
);

/** An OAuth authorization request in flight (state → PKCE verifier and nonce). */
export const oauthRequests = sqliteTable('oauth_requests', {
  /** SHA-256 of the `state` parameter; the state itself is never stored. */
  stateHash: text('state_hash').primaryKey(),
  authorizationId: text('authorization_id')
    .notNull()
    .references(() => authorizations.id, { onDelete: 'cascade' }),
  /** PKCE code verifier, sealed. */
  codeVerifier: text('code_verifier').notNull(),
  /** OpenID Connect nonce, sealed. */
  nonce: text('nonce').notNull(),
  /** Where to send the browser afterwards; null means the popup flow (postMessage to the opener). */
  returnTo: text('return_to'),
  /** Origin allowed to receive the popup's postMessage. */
  openerOrigin: text('opener_origin'),
  createdAt: createdAt(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  usedAt: integer('used_at', { mode: 'timestamp_ms' }),
});

/** A Microsoft 365 tenant that at least one authorization points at, with its polling state. */
export const tenants = sqliteTable(
  'tenants',
  {
    tenantId: text('tenant_id').primaryKey(),
    displayName: text('display_name'),
    defaultDomain: text('default_domain'),
    createdAt: createdAt(),
    /** When the poller should next sync this tenant. */
    nextPollAt: integer('next_poll_at', { mode: 'timestamp_ms' }).notNull(),
    /** Last successful sync. */
    lastSyncAt: integer('last_sync_at', { mode: 'timestamp_ms' }),
    /**
     * The first successful sync. History knows the tenant from this moment on, and Microsoft's
     * issues of the 30 days before it (see `server/core/history.ts`).
     */
    firstSyncAt: integer('first_sync_at', { mode: 'timestamp_ms' }),
    /** Last successful full (not incremental) sync of issues. */
    lastFullSyncAt: integer('last_full_sync_at', { mode: 'timestamp_ms' }),
    /** High-water mark of `lastModifiedDateTime` seen, for incremental issue syncs (ISO text). */
    issuesWatermark: text('issues_watermark'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    lastError: text('last_error'),
    /** High-water mark of the Message center posts' `lastModifiedDateTime` (ISO text). */
    messagesWatermark: text('messages_watermark'),
    /** Last read of Message center posts (they change slowly; they are read less often than health). */
    lastMessagesSyncAt: integer('last_messages_sync_at', { mode: 'timestamp_ms' }),
    /** Last full (unfiltered) read of Message center posts. */
    lastFullMessagesSyncAt: integer('last_full_messages_sync_at', { mode: 'timestamp_ms' }),
    /**
     * The instance (`INSTANCE_ID`) syncing this tenant while {@link leaseUntil} is in the future.
     * One process owns a SQLite file, so here the lease only keeps that process's cycles and
     * immediate syncs from overlapping; on PostgreSQL it shares the polling between instances.
     */
    leaseOwner: text('lease_owner'),
    /** End of the current lease; past or null means the tenant may be claimed when due. */
    leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
    /** Graph asked to wait (`Retry-After`) until then; nothing calls Graph for the tenant before. */
    throttledUntil: integer('throttled_until', { mode: 'timestamp_ms' }),
  },
  (t) => [index('tenants_next_poll_idx').on(t.nextPollAt)],
);

/** Current health of each service of a tenant (Graph `serviceHealth`). */
export const services = sqliteTable(
  'services',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.tenantId, { onDelete: 'cascade' }),
    /** Graph's service id, e.g. `Exchange`. */
    serviceId: text('service_id').notNull(),
    /** Graph's service name, e.g. `Exchange Online`. */
    name: text('name').notNull(),
    /** camelCase Graph `serviceHealthStatus`, unknown values kept as received. */
    status: text('status').notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.serviceId] })],
);

/** Every status change of a service, for history views. */
export const serviceStatusHistory = sqliteTable(
  'service_status_history',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.tenantId, { onDelete: 'cascade' }),
    serviceId: text('service_id').notNull(),
    status: text('status').notNull(),
    previousStatus: text('previous_status'),
    changedAt: integer('changed_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('service_status_history_idx').on(t.tenantId, t.serviceId, t.changedAt)],
);

/** Graph `serviceHealthIssue`s of a tenant. */
export const issues = sqliteTable(
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
    isResolved: integer('is_resolved', { mode: 'boolean' }).notNull(),
    startDateTime: text('start_date_time'),
    endDateTime: text('end_date_time'),
    lastModifiedDateTime: text('last_modified_date_time').notNull(),
    impactDescription: text('impact_description'),
    /**
     * False once a full resync no longer finds the issue (Microsoft keeps about 30 days). Such an
     * issue is kept until RETENTION_DAYS after its `lastModifiedDateTime`, then pruned.
     */
    listedByMicrosoft: integer('listed_by_microsoft', { mode: 'boolean' }).notNull().default(true),
    /** The last sync whose answer carried the issue. */
    lastListedAt: integer('last_listed_at', { mode: 'timestamp_ms' }),
    /** True once any sync saw the issue with status `serviceInterruption` (history levels). */
    interruptionSeen: integer('interruption_seen', { mode: 'boolean' }).notNull().default(false),
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
export const issuePosts = sqliteTable(
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

/**
 * Message center posts of a tenant (Graph `serviceUpdateMessage`). `services`, `tags` and
 * `details` are JSON text as Graph sent them (details with unknown names kept); `html` is the
 * sanitised body.
 */
export const messages = sqliteTable(
  'messages',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.tenantId, { onDelete: 'cascade' }),
    /** `MC…` */
    id: text('id').notNull(),
    title: text('title').notNull(),
    /** camelCase Graph `serviceUpdateCategory` (unknown values kept). */
    category: text('category').notNull(),
    /** camelCase Graph `serviceUpdateSeverity` (unknown values kept). */
    severity: text('severity').notNull(),
    isMajorChange: integer('is_major_change', { mode: 'boolean' }).notNull().default(false),
    /** JSON array of service names. */
    services: text('services').notNull().default('[]'),
    /** JSON array of tags. */
    tags: text('tags').notNull().default('[]'),
    startDateTime: text('start_date_time'),
    endDateTime: text('end_date_time'),
    lastModifiedDateTime: text('last_modified_date_time').notNull(),
    actionRequiredByDateTime: text('action_required_by_date_time'),
    /** JSON array of `{ name, value }` (Summary, RoadmapIds, Platforms, …). */
    details: text('details').notNull().default('[]'),
    /** The body, sanitised. */
    html: text('html').notNull().default(''),
    /** False once a full read no longer finds the post; kept until RETENTION_DAYS after its last change. */
    listedByMicrosoft: integer('listed_by_microsoft', { mode: 'boolean' }).notNull().default(true),
    lastListedAt: integer('last_listed_at', { mode: 'timestamp_ms' }),
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

/** Event types of the change feed (DESIGN.md, "Change events"). */
export const EVENT_TYPES = [
  'issue.created',
  'issue.updated',
  'issue.resolved',
  'service.status_changed',
  'authorization.reauth_required',
  'test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * The outbox: every change a sync observed, written in the sync's own transaction. `id` is
 * derived from the change itself (the same change has the same id on every instance); `seq`
 * orders the stream for `Last-Event-ID` resumption.
 */
export const events = sqliteTable(
  'events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    tenantId: text('tenant_id').notNull(),
    type: text('type', { enum: EVENT_TYPES }).notNull(),
    occurredAt: integer('occurred_at', { mode: 'timestamp_ms' }).notNull(),
    /** The event JSON as delivered (DESIGN.md shape). */
    payload: text('payload').notNull(),
  },
  (t) => [uniqueIndex('events_id_idx').on(t.id), index('events_tenant_idx').on(t.tenantId, t.seq), index('events_occurred_idx').on(t.occurredAt)],
);

/** Notification channel kinds. */
export const CHANNEL_KINDS = ['webhook', 'teams', 'slack', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** An org's notification channel; the target and the signing secret are sealed like tokens. */
export const channels = sqliteTable(
  'channels',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: CHANNEL_KINDS }).notNull(),
    name: text('name').notNull(),
    /** The URL or the e-mail addresses, AES-256-GCM sealed. */
    target: text('target').notNull(),
    /** The masked target shown by the API (scheme + host + `/…`, or the addresses). */
    targetMasked: text('target_masked').notNull(),
    /** Standard Webhooks signing secret (`whsec_…`), sealed; webhooks only. */
    secret: text('secret'),
    /** JSON `{ tenants?, services?, classifications?, events? }`. */
    filters: text('filters').notNull().default('{}'),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    lastDeliveryAt: integer('last_delivery_at', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
  },
  (t) => [index('channels_org_idx').on(t.orgId)],
);

/** Delivery statuses. */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event owed to one channel (at least once; the primary key makes it once per channel). */
export const deliveries = sqliteTable(
  'deliveries',
  {
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }).notNull(),
    lastAttemptAt: integer('last_attempt_at', { mode: 'timestamp_ms' }),
    responseStatus: integer('response_status'),
    /** A short excerpt of what went wrong (never the whole response body). */
    error: text('error'),
    /** An instance working on it until then (scale-out claims). */
    leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
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
