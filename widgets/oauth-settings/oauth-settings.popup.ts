import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ApiError, isAbortError } from '../api/client.js';
import type { HealthStore } from '../api/store.js';
import type { Authorization, AuthorizationMessage } from '../api/types.js';
import { errorText } from '../internal/templates.js';

/**
 * How long (ms) a closed popup's callback message may still arrive: the callback page posts it
 * and closes at once, and the close can be seen before the message is delivered. After that the
 * element asks the server for the authorization's status.
 */
export const POPUP_GRACE_MS = 1500;

/** What an authorization is started for. */
export type AuthorizeAction = 'add' | 'reauthorize';

/** How an authorization ended; `label` is unknown for one started on another page (another tab's popup). */
export interface AuthorizeOutcome {
  id: string;
  label: string | undefined;
  action: AuthorizeAction;
  status: 'active' | 'failed' | 'cancelled';
  error?: string | null;
}

/** What the {@link OAuthPopupController} needs from its element. */
export interface OAuthPopupOptions {
  /** The page store of the element's API base and key. */
  store(): HealthStore;
  /** Loads the authorizations again from the server (bypassing the cache); undefined when they could not be read. */
  reload(): Promise<Authorization[] | undefined>;
  /** Sends the whole page to Microsoft's sign-in (the fallback when popups are blocked). */
  navigate(url: string): void;
  /** An authorization ended: told once per authorization, whichever of the message or the status check knew it first. */
  finished(outcome: AuthorizeOutcome): void;
}

interface Pending {
  id: string;
  popup: Window;
}

/**
 * The OAuth popup flow of `<o365-oauth-settings>`. {@link start} opens the popup synchronously
 * (inside the click, so popup blockers allow it), POSTs `/api/authorizations` and sends the popup
 * to `authorizeUrl`; when the popup is blocked, the whole page goes there (`returnTo` is this
 * page). The server's callback page posts an {@link AuthorizationMessage} to this window; only
 * messages from the API's origin count. When the popup closes and no message came within
 * {@link POPUP_GRACE_MS}, the server's list says how it ended: active or failed, and a still
 * pending one was abandoned, so closing the window cancels it (`DELETE`). Listening, watching
 * and requests stop when the element disconnects.
 */
export class OAuthPopupController implements ReactiveController {
  #pending?: Pending;
  #side = new AbortController();
  #watch?: ReturnType<typeof setInterval>;
  #grace?: ReturnType<typeof setTimeout>;
  /** Every authorization started here (id → label, action): a late callback message still finds its label. */
  #started = new Map<string, { label: string; action: AuthorizeAction }>();
  /** Authorizations whose outcome was told: told once. */
  #finished = new Set<string>();

  constructor(
    host: ReactiveControllerHost,
    private readonly o: OAuthPopupOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener('message', this.#onMessage);
  }

  hostDisconnected(): void {
    window.removeEventListener('message', this.#onMessage);
    this.#side.abort();
    this.#side = new AbortController();
    this.#stopWatching();
  }

  /**
   * Starts authorizing `label`; call it synchronously in the click. Resolves true once the popup
   * is on its way to Microsoft's sign-in, false when the whole page goes there; rejects when the
   * authorization could not be started (`POST /api/authorizations` failed).
   */
  async start(label: string, action: AuthorizeAction): Promise<boolean> {
    // Opened now, inside the click: after the POST a popup blocker would refuse it.
    const popup = window.open('about:blank', 'o365-health-authorize', 'popup,width=600,height=720');
    try {
      const { authorization, authorizeUrl } = await this.o.store().client.createAuthorization(label, popup ? undefined : location.href, this.#side.signal);
      if (!popup) {
        this.o.navigate(authorizeUrl);
        return false;
      }
      popup.location.href = authorizeUrl;
      const pending: Pending = (this.#pending = { id: authorization.id, popup });
      this.#started.set(pending.id, { label, action });
      this.#stopWatching();
      this.#watch = setInterval(() => {
        if (this.#pending !== pending || !popup.closed) return;
        // Closed: the callback message may still be on its way (it is posted just before the close).
        this.#stopWatching();
        this.#grace = setTimeout(() => void this.#closed(pending), POPUP_GRACE_MS);
      }, 500);
      // The pending row is listed while the admin signs in.
      void this.o.reload();
      return true;
    } catch (error) {
      popup?.close();
      throw error;
    }
  }

  /** The OAuth callback page's message; only from the API's origin. */
  #onMessage = (e: MessageEvent): void => {
    const data = e.data as Partial<AuthorizationMessage> | null;
    if (data?.type !== 'o365-health:authorization' || e.origin !== new URL(this.o.store().client.apiBase, location.href).origin) return;
    this.#finish(String(data.authorizationId), data.status === 'active' ? 'active' : 'failed', data.error);
  };

  /**
   * The popup closed and no message came within the grace period: the server knows how it ended.
   * Still pending means nobody came back from Microsoft: closing the window cancels it.
   */
  async #closed(p: Pending): Promise<void> {
    const list = await this.o.reload();
    if (this.#pending !== p) return; // the message came meanwhile
    const a = list?.find((x) => x.id === p.id);
    if (a?.status !== 'pending')
      // Gone: the server removes a consent cancelled at Microsoft.
      return this.#finish(p.id, a?.status === 'active' ? 'active' : 'failed', a ? a.lastError : 'The sign-in or consent was cancelled at Microsoft, so nothing was authorized.');
    try {
      await this.o.store().client.deleteAuthorization(p.id, this.#side.signal);
    } catch (error) {
      // Gone already (expired, or removed elsewhere) is cancelled all the same.
      if (!(error instanceof ApiError && error.status === 404)) return isAbortError(error) ? undefined : this.#finish(p.id, 'failed', errorText(error));
    }
    this.#finish(p.id, 'cancelled');
  }

  #finish(id: string, status: AuthorizeOutcome['status'], error?: string | null): void {
    if (this.#pending?.id === id) {
      this.#pending = undefined;
      this.#stopWatching();
    }
    if (this.#finished.has(id)) return;
    this.#finished.add(id);
    const started = this.#started.get(id);
    this.o.finished({ id, label: started?.label, action: started?.action ?? 'add', status, error });
  }

  #stopWatching(): void {
    clearInterval(this.#watch);
    clearTimeout(this.#grace);
    this.#watch = this.#grace = undefined;
  }
}
