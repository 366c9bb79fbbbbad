/**
 * The Message center (DESIGN.md, "Across tenants and Message center"): a tenant's posts as the
 * API serves them, and their retention. Visibility is the caller's first step — routes resolve
 * the `tenant` path parameter through `TenantsCore.resolve` (an id or one of the org's labels,
 * only while the org holds an authorization for it) before they ask for posts.
 */
import type { Store } from '../store/index.js';
import type { MessageDetail, MessageQuery } from '../store/messages.js';
import type { MessagesResponse } from '../../widgets/api/types.js';

export type { MessageDetail, MessageQuery, MessageSummary } from '../store/messages.js';

export interface MessagesCore {
  /** One page of the tenant's posts, newest change first, as the API answers it. */
  list(tenantId: string, query: MessageQuery): Promise<MessagesResponse>;
  /** One post with its sanitised body and details; null when the tenant has none with this id. */
  get(tenantId: string, messageId: string): Promise<MessageDetail | null>;
  /**
   * Removes the posts Microsoft no longer lists whose last change is more than `retentionDays`
   * old (RETENTION_DAYS, the rule issues follow); returns how many.
   */
  pruneRetained(retentionDays: number): Promise<number>;
}

export function createMessagesCore(deps: { store: Store; now: () => Date }): MessagesCore {
  const { store, now } = deps;
  return {
    list: (tenantId, query) => store.listMessages(tenantId, query),
    get: (tenantId, messageId) => store.getMessage(tenantId, messageId),
    pruneRetained: (retentionDays) => store.pruneRetainedMessages(now(), retentionDays),
  };
}
