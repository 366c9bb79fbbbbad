import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { isAbortError, type ApiClient } from '../api/client.js';
import type { MessageDetail, MessageSummary } from '../api/types.js';
import { toDate } from '../internal/format.js';

/** The body and details of one opened post. */
export type PostDetail = { status: 'loading' } | { status: 'ready'; value: MessageDetail } | { status: 'error'; error: unknown };

/**
 * The opened Message center posts of an element and their bodies and details
 * (`GET …/messages/:id`): which are open, loading, loaded or failed. Requests stop when the host
 * disconnects; a post that was loading loads again when opened again. Another tenant closes them all.
 */
export class MessageDetailsController implements ReactiveController {
  /** Ids of the opened posts. */
  open = new Set<string>();
  details = new Map<string, PostDetail>();
  #tenantId?: string;
  #side = new AbortController();

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly client: () => ApiClient,
    /** Called when a refreshed post that is open came back changed. */
    private readonly onChanged: (message: MessageSummary) => void,
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.#side.abort();
    this.#side = new AbortController();
    for (const [id, d] of this.details) if (d.status === 'loading') this.details.delete(id);
  }

  /** Opens or closes `message`; opening loads its body unless loaded. */
  toggle(message: MessageSummary, tenantId: string): void {
    const open = new Set(this.open);
    const opened = !open.delete(message.id);
    if (opened) open.add(message.id);
    this.open = open;
    this.host.requestUpdate();
    if (opened && this.details.get(message.id)?.status !== 'ready') void this.load(message, tenantId);
  }

  /**
   * After a load (auto-refresh included): a post whose `lastModifiedDateTime` moved on since its
   * body was loaded gets it again, at once when it is open (the old body stays on screen
   * meanwhile), else when it is next opened. Another tenant than before: everything closes.
   */
  refresh(tenantId: string, messages: readonly MessageSummary[]): void {
    if (tenantId !== this.#tenantId) {
      this.#tenantId = tenantId;
      this.open = new Set();
      this.details = new Map();
    }
    for (const m of messages) {
      const d = this.details.get(m.id);
      if (d?.status !== 'ready' || toDate(d.value.lastModifiedDateTime)?.getTime() === toDate(m.lastModifiedDateTime)?.getTime()) continue;
      if (this.open.has(m.id)) void this.load(m, tenantId, true);
      else this.details.delete(m.id);
    }
  }

  /** Loads the body of `message`; `quiet` keeps what is shown until the new one arrives. */
  async load(message: MessageSummary, tenantId: string, quiet = false): Promise<void> {
    const set = (d: PostDetail) => {
      this.details = new Map(this.details).set(message.id, d);
      this.host.requestUpdate();
    };
    if (!quiet) set({ status: 'loading' });
    try {
      // The body was sanitised by the server (allow-list; DESIGN.md, "Across tenants and Message center").
      const value = await this.client().message(tenantId, message.id, this.#side.signal);
      if (tenantId !== this.#tenantId) return;
      set({ status: 'ready', value });
      if (quiet) this.onChanged(message);
    } catch (error) {
      if (!isAbortError(error) && !quiet) set({ status: 'error', error });
    }
  }
}
