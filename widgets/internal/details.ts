import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { isAbortError } from '../api/client.js';
import type { HealthStore } from '../api/store.js';
import type { IssueDetail, IssueSummary } from '../api/types.js';
import { toDate } from './format.js';

/** The posts of one opened issue. */
export type Detail = { status: 'loading' } | { status: 'ready'; value: IssueDetail } | { status: 'error'; error: unknown };

/** True when the list says `issue` changed after `detail` was loaded. */
export const changedSince = (detail: IssueSummary, issue: IssueSummary): boolean =>
  toDate(detail.lastModifiedDateTime)?.getTime() !== toDate(issue.lastModifiedDateTime)?.getTime();

/**
 * The opened issues of an element and their post histories (`GET …/issues/:id`, through the page
 * store, so the health tile and the feed share them): which are open, loading, loaded or failed.
 * Requests stop when the host disconnects; a post history that was loading loads again when
 * opened again.
 */
export class IssueDetailsController implements ReactiveController {
  /** Ids of the opened issues. */
  open = new Set<string>();
  details = new Map<string, Detail>();
  #side = new AbortController();

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly store: () => HealthStore,
    /** Called when a refreshed post history has more posts than before. */
    private readonly onNewPosts: (issue: IssueSummary) => void = () => {},
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.#side.abort();
    this.#side = new AbortController();
    for (const [id, d] of this.details) if (d.status === 'loading') this.details.delete(id);
  }

  /** Opens or closes `issue`; true when it is now open. Opening loads its posts unless loaded. */
  toggle(issue: IssueSummary, tenantId: string): boolean {
    const open = new Set(this.open);
    const opened = !open.delete(issue.id);
    if (opened) open.add(issue.id);
    this.open = open;
    this.host.requestUpdate();
    if (opened && this.details.get(issue.id)?.status !== 'ready') void this.load(issue, tenantId);
    return opened;
  }

  /**
   * After a load (auto-refresh included): an issue whose `lastModifiedDateTime` moved on since its
   * posts were loaded gets them again, at once when it is open (the old posts stay on screen
   * meanwhile), else when it is next opened.
   */
  refresh(tenantId: string, issues: readonly IssueSummary[]): void {
    for (const issue of issues) {
      const d = this.details.get(issue.id);
      if (d?.status !== 'ready' || !changedSince(d.value, issue)) continue;
      if (this.open.has(issue.id)) void this.load(issue, tenantId, true);
      else this.details.delete(issue.id);
    }
  }

  /** Loads the posts of `issue`; `quiet` keeps what is shown until the new posts arrive. */
  async load(issue: IssueSummary, tenantId: string, quiet = false): Promise<void> {
    const set = (d: Detail) => {
      this.details = new Map(this.details).set(issue.id, d);
      this.host.requestUpdate();
    };
    const before = this.details.get(issue.id);
    if (!quiet) set({ status: 'loading' });
    try {
      // The HTML of posts was sanitised by the server (allow-list; DESIGN.md, JSON API).
      const value = await this.store().issue(tenantId, issue, { signal: this.#side.signal });
      set({ status: 'ready', value });
      if (quiet && before?.status === 'ready' && value.posts.length !== before.value.posts.length) this.onNewPosts(issue);
    } catch (error) {
      if (!isAbortError(error) && !quiet) set({ status: 'error', error });
    }
  }
}
