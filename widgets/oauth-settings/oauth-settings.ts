import { html, nothing, type TemplateResult, type PropertyDeclarations } from 'lit';
import { ApiError, isAbortError } from '../api/client.js';
import { invalidateStores } from '../api/store.js';
import type { Authorization, Tenant } from '../api/types.js';
import { O365Element } from '../internal/base.js';
import { DataController } from '../internal/data.js';
import { emit, emitError, type O365AuthorizationChangeDetail } from '../internal/events.js';
import { externalIcon, LEVEL_ICONS, pendingIcon, renderStatus, trashIcon } from '../internal/icons.js';
import { elementTokens, hostStyles, settingsStyles } from '../internal/styles.js';
import { breakable, errorText, failure, loading, time, zone } from '../internal/templates.js';
import { OAuthPopupController, type AuthorizeAction, type AuthorizeOutcome } from './oauth-settings.popup.js';
import { oauthSettingsStyles } from './oauth-settings.styles.js';
import { AUTHORIZATION_APIS, authorizationStatus, type OAuthSettingsData } from './oauth-settings.types.js';

export { POPUP_GRACE_MS } from './oauth-settings.popup.js';

/** Active, but its tenant's first sync has not ended yet (no success, no error). */
const awaitingFirstSync = (a: Authorization) => a.status === 'active' && !a.lastSuccessAt && !a.lastSyncError && !a.lastError;

/**
 * Admin settings of the Microsoft 365 authorizations: add one (sign-in and consent at Microsoft
 * in a popup), see their state, re-authorize or delete them.
 *
 * Adding opens the popup synchronously in the click (so popup blockers allow it), then POSTs
 * `/api/authorizations` and sends the popup to `authorizeUrl`. The server's callback page posts
 * `{ type: 'o365-health:authorization', status, authorizationId, error? }` to this window; only
 * messages from the API's origin are accepted. When the popup closes and no message came (the
 * page is on another origin than the server expects, or the admin closed the window), the element
 * asks the server (`GET /api/authorizations`): active is a success, failed shows the reason, and
 * a still pending one was abandoned: closing the window cancels it (`DELETE`). When the popup is
 * blocked, the page itself goes to Microsoft (`returnTo` is this page) and comes back here.
 *
 * An active authorization whose first sync has not ended is read again with a bounded backoff
 * (about half a minute in all) until the server reports its first successful sync or a sync error.
 *
 * A viewer key gets 403 from `GET /api/authorizations`: the element then lists the connected
 * tenants from `GET /api/tenants`, read-only, and says that an admin key is needed to change them.
 *
 * Discovery: `api-base` and `api-key` attributes, else `window.O365Health` /
 * `<meta name="o365-health">`, else the script's origin.
 *
 * Themes: the light and dark theme files set the `--o365-*` page tokens. The server serves them
 * next to the bundle, `<link rel="stylesheet" href="https://health.example.com/widgets/light.css">`
 * (or `…/widgets/dark.css`); bundler users import `@o365-health/widgets/themes/light.css` (or `dark.css`).
 * Each `--o365-<element>-*` property below overrides a token for this element alone.
 *
 * @summary Add, re-authorize and delete Microsoft 365 authorizations.
 *
 * @csspart base - The card around everything.
 * @csspart header - The title line.
 * @csspart title - The heading.
 * @csspart add-form - The "Add authorization" form.
 * @csspart add-button - The Add button.
 * @csspart list - The list of authorizations (or tenants, read-only).
 * @csspart item - One authorization.
 * @csspart status - Icon and words of a status.
 * @csspart delete-button - The trash button of an authorization.
 * @csspart confirm - The in-element delete confirmation.
 * @csspart read-only - The note shown to a viewer key.
 * @csspart message - The outcome of the last action.
 * @csspart loading - The loading state.
 * @csspart empty - The empty state.
 * @csspart error - The error state.
 * @csspart retry - The Retry button.
 * @csspart explain - The explanation of deletion and Microsoft Entra.
 * @csspart time-zone - "times in …": the zone of every time shown.
 *
 * @cssprop --o365-oauth-settings-background - Card background (default `--o365-color-surface`).
 * @cssprop --o365-oauth-settings-color - Text colour (default `--o365-color-text`).
 * @cssprop --o365-oauth-settings-muted-color - Secondary text (default `--o365-color-text-muted`).
 * @cssprop --o365-oauth-settings-border-color - Borders (default `--o365-color-border`).
 * @cssprop --o365-oauth-settings-radius - Corner radius (default `--o365-radius`).
 * @cssprop --o365-oauth-settings-padding - Card padding (default `--o365-space`).
 * @cssprop --o365-oauth-settings-font-family - Font (default `--o365-font-family`).
 * @cssprop --o365-oauth-settings-font-size - Base font size (default `--o365-font-size`).
 *
 * @fires {CustomEvent<SettingsLoadDetail>} o365-load - The list loaded (`detail.readOnly` for a viewer key).
 * @fires {CustomEvent<O365ErrorDetail>} o365-error - Loading, adding or deleting failed.
 * @fires {CustomEvent<O365AuthorizationChangeDetail>} o365-authorization-change - An authorization was added, re-authorized (after the callback) or deleted.
 */
export class O365OAuthSettings extends O365Element {
  /** Lit's reactive properties (`attribute: false`: internal state). Declared here rather than with decorators: the decorator helper cost the bundle ~0.5 KB gzip of its 20 KB budget. */
  static override properties: PropertyDeclarations = {
    labelValue: { attribute: false },
    busy: { attribute: false },
    message: { attribute: false },
    confirming: { attribute: false },
    deleteError: { attribute: false },
  };

  static override styles = [elementTokens('oauth-settings'), hostStyles, settingsStyles, oauthSettingsStyles];

  private labelValue = '';
  private busy = false;
  /** The outcome of the last action; `unknown` is a step under way (drawn as a clock). */
  private message?: { level: 'healthy' | 'critical' | 'advisory' | 'unknown'; text: string; reason?: string };
  private confirming?: string;
  private deleteError?: unknown;

  #side = new AbortController();
  /** Active authorizations waiting for their first sync (read again by #followFirstSync), and every one ever watched. */
  #awaiting = new Set<string>();
  #watched = new Set<string>();
  #firstSync?: ReturnType<typeof setTimeout>;


  protected readonly data = new DataController<OAuthSettingsData>(this, {
    load: async (store, read) => {
      try {
        return { readOnly: false, authorizations: (await store.authorizations(read)).authorizations };
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 403)) throw e;
        return { readOnly: true, tenants: (await store.tenants(read)).tenants };
      }
    },
    detail: (value) => ({ element: 'oauth-settings', readOnly: value.readOnly, authorizations: value.readOnly ? [] : value.authorizations }),
    loaded: (value) => {
      if (value.readOnly) return;
      const ids = new Set(value.authorizations.filter(awaitingFirstSync).map((a) => a.id));
      const fresh = [...ids].some((id) => !this.#watched.has(id));
      this.#awaiting = ids;
      for (const id of ids) this.#watched.add(id);
      if (fresh) this.#followFirstSync(500);
    },
  });

  readonly #popup = new OAuthPopupController(this, {
    store: () => this.data.store,
    reload: async () => {
      await this.data.run(0);
      return this.#authorizations();
    },
    navigate: (url) => this.navigate(url),
    finished: (o) => this.#finished(o),
  });

  /** Reads the list again after 0.5, 1, 2 … 16 s (about half a minute in all) while an authorization awaits its first sync. */
  #followFirstSync(delay: number): void {
    clearTimeout(this.#firstSync);
    if (delay < 20_000)
      this.#firstSync = setTimeout(async () => {
        await this.data.run(0);
        if (this.#awaiting.size && this.isConnected) this.#followFirstSync(delay * 2);
      }, delay);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#side.abort();
    this.#side = new AbortController();
    clearTimeout(this.#firstSync);
    this.busy = false;
  }

  /** The authorizations shown (none for a viewer key). */
  #authorizations(): Authorization[] | undefined {
    const value = this.data.value;
    return value && !value.readOnly ? value.authorizations : undefined;
  }

  /** Sends the whole page to Microsoft's sign-in (the fallback when popups are blocked). */
  protected navigate(url: string): void {
    location.assign(url);
  }

  override render(): TemplateResult {
    const { value } = this.data;
    return html`<section part="base" class="base" aria-labelledby="title">
      <div part="header" class="header"><h2 part="title" id="title">Microsoft 365 authorizations</h2></div>
      ${this.data.failed
        ? failure('The authorizations could not be loaded.', () => this.data.run(), this.data.error)
        : !value
          ? loading('Loading authorizations')
          : value.readOnly
            ? this.#readOnly(value.tenants)
            : html`${this.#addForm()} ${this.#list(value.authorizations)}`}
      ${this.#explain()} ${this.data.renderLive()}
    </section>`;
  }

  #addForm(): TemplateResult {
    return html`<section aria-labelledby="add-title">
      <h3 id="add-title">Add authorization</h3>
      <form part="add-form" @submit=${this.#onAdd} novalidate>
        <label class="api"
          >API
          <select name="api">
            ${Object.entries(AUTHORIZATION_APIS).map(([v, text]) => html`<option value=${v} selected>${text}</option>`)}
          </select>
        </label>
        <label
          >Label
          <input
            name="label"
            autocomplete="off"
            aria-describedby="label-hint"
            .value=${this.labelValue}
            @input=${(e: Event) => (this.labelValue = (e.target as HTMLInputElement).value)}
          />
        </label>
        <button part="add-button" class="btn primary" type="submit" ?disabled=${this.busy}>Add</button>
        <p id="label-hint" class="hint muted small">
          Usually the tenant's domain, e.g. contoso.onmicrosoft.com. You sign in at Microsoft with a tenant admin account and accept
          the consent.
        </p>
      </form>
      ${this.message
        ? html`<p part="message" class="message notice level-${this.message.level}" role=${this.message.level === 'critical' ? 'alert' : nothing}>
            ${this.message.level === 'unknown' ? pendingIcon : LEVEL_ICONS[this.message.level]}
            <span>${this.message.text}${this.message.reason ? html`<span class="reason">Reason: ${this.message.reason}</span>` : nothing}</span>
          </p>`
        : nothing}
    </section>`;
  }

  #list(authorizations: Authorization[]): TemplateResult {
    return html`<section aria-labelledby="list-title">
      <h3 id="list-title" tabindex="-1">Current authorizations</h3>
      ${authorizations.length ? html`<p class="small muted">${zone(this.data.config)}</p>` : nothing}
      ${authorizations.length
        ? html`<ul part="list" class="list">${authorizations.map((a) => this.#item(a))}</ul>`
        : html`<div part="empty" class="state"><p>No Microsoft 365 tenant is connected yet. Add an authorization above.</p></div>`}
    </section>`;
  }

  #item(a: Authorization): TemplateResult {
    const s = authorizationStatus(a.status);
    const confirming = this.confirming === a.id;
    return html`<li part="item" class="item">
      <div class="item-main">
        <p class="item-label">${breakable(a.label)}</p>
        <p>${renderStatus(s.level, s.text, a.status === 'pending' ? pendingIcon : undefined)}</p>
        ${a.lastError && a.status !== 'active' ? html`<p class="small muted">Reason: ${a.lastError}</p>` : nothing}
        <dl class="small">
          <dt>Tenant ID</dt><dd>${a.tenantId ?? '—'}</dd>
          <dt>Added by</dt><dd>${breakable(a.createdBy)}</dd>
          ${a.consentedBy ? html`<dt>Consented at Microsoft by</dt><dd>${breakable(a.consentedBy)}</dd>` : nothing}
          <dt>Added</dt><dd>${time(a.createdAt, this.data.config)}</dd>
          ${this.#syncRows(a.lastSuccessAt, a.status === 'active' ? a.lastSyncError : null, a.status === 'active' ? a.nextSyncAt : null)}
        </dl>
      </div>
      <div class="actions">
        ${a.status === 'reauth_required' || a.status === 'failed'
          ? html`<button class="btn" type="button" ?disabled=${this.busy} @click=${() => this.#authorize(a.label, 'reauthorize')}>Re-authorize</button>`
          : nothing}
        <button
          part="delete-button"
          class="btn icon-btn"
          type="button"
          id="delete-${a.id}"
          aria-label="Delete ${a.label}"
          aria-expanded=${confirming}
          @click=${() => this.#askDelete(a.id)}
        >
          ${trashIcon}
        </button>
      </div>
      ${confirming ? this.#confirm(a) : nothing}
    </li>`;
  }

  #confirm(a: Authorization): TemplateResult {
    return html`<div part="confirm" class="confirm" role="group" aria-labelledby="confirm-text" @keydown=${this.#onConfirmKey}>
      <p id="confirm-text">
        Delete the authorization “${breakable(a.label)}”? This organisation stops seeing that tenant's service health.
      </p>
      <button class="btn danger" type="button" ?disabled=${this.busy} @click=${() => this.#delete(a)}>Delete</button>
      <button class="btn" type="button" id="confirm-cancel" @click=${() => this.#cancelDelete()}>Cancel</button>
      ${this.deleteError ? html`<p part="error" role="alert">The authorization could not be deleted. ${errorText(this.deleteError)}</p>` : nothing}
    </div>`;
  }

  #readOnly(tenants: Tenant[]): TemplateResult {
    return html`<p part="read-only" class="notice level-advisory">
        ${LEVEL_ICONS.advisory}
        <span>This API key can only view. An admin API key is needed to add, re-authorize or delete authorizations.</span>
      </p>
      <section aria-labelledby="list-title">
        <h3 id="list-title">Connected tenants</h3>
        ${tenants.length
          ? html`<ul part="list" class="list">
              ${tenants.map((t) => {
                const s = authorizationStatus(t.status);
                return html`<li part="item" class="item">
                  <div class="item-main">
                    <p class="item-label">${breakable(t.label)}</p>
                    <p>${renderStatus(s.level, s.text, t.status === 'pending' ? pendingIcon : undefined)}</p>
                    <dl class="small">
                      <dt>Tenant ID</dt><dd>${t.tenantId}</dd>
                      ${this.#syncRows(t.lastSyncAt, t.lastSyncError, t.nextSyncAt)}
                    </dl>
                  </div>
                </li>`;
              })}
            </ul>`
          : html`<div part="empty" class="state"><p>No Microsoft 365 tenant is connected yet</p></div>`}
      </section>`;
  }

  /** The last successful sync, and while syncs fail, why and when the next attempt is. */
  #syncRows(last: Authorization['lastSuccessAt'], error: string | null, next: Authorization['nextSyncAt']): TemplateResult {
    const c = this.data.config;
    return html`<dt>Last successful sync</dt><dd>${last ? time(last, c) : 'Not yet'}</dd>
      ${error ? html`<dt>Last sync error</dt><dd>${error}</dd>` : nothing}
      ${error && next ? html`<dt>Next attempt</dt><dd>${time(next, c)}</dd>` : nothing}`;
  }

  #explain(): TemplateResult {
    return html`<p part="explain" class="explain small muted">
      Deleting an authorization stops retrieval for this organisation only: other users' authorizations for the same tenant keep
      retrieval going. To remove the app from a tenant completely, delete its enterprise application in
      <a href="https://entra.microsoft.com/" target="_blank" rel="noopener">Microsoft Entra admin center ${externalIcon}</a>
      (Enterprise applications).
    </p>`;
  }

  #onAdd = (e: Event): void => {
    e.preventDefault();
    const label = this.labelValue.trim();
    if (!label) {
      this.message = { level: 'critical', text: 'Enter a label, usually the tenant’s domain.' };
      this.renderRoot.querySelector<HTMLInputElement>('input[name="label"]')?.focus();
      return;
    }
    void this.#authorize(label, 'add');
  };

  /** The popup flow (OAuthPopupController) with the buttons disabled meanwhile. */
  async #authorize(label: string, action: AuthorizeAction): Promise<void> {
    this.busy = true;
    this.message = undefined;
    try {
      if (await this.#popup.start(label, action)) {
        this.message = { level: 'unknown', text: `Sign in at Microsoft in the new window to authorize “${label}”.` };
        this.labelValue = '';
      }
    } catch (error) {
      if (!isAbortError(error)) {
        this.message = { level: 'critical', text: `The authorization could not be started. ${errorText(error)}` };
        emitError(this, error);
      }
    }
    this.busy = false;
  }

  /** Tells how an authorization ended: the message, the live region, every widget of the API base, the event. */
  #finished({ id, label: started, action, status, error }: AuthorizeOutcome): void {
    // The label: from the authorizations started here, else from the list (another tab's popup).
    // A cancelled consent's row is gone from the server, so the list alone would not do.
    const label = started ?? this.#authorizations()?.find((a) => a.id === id)?.label ?? 'the tenant';
    this.message =
      status === 'active'
        ? { level: 'healthy', text: `Authorization “${label}” is active. Its service health appears within a minute.` }
        : status === 'cancelled'
          ? { level: 'advisory', text: `The sign-in window was closed before “${label}” was authorized, so it was cancelled.` }
          : { level: 'critical', text: `The authorization of “${label}” failed.`, ...(error ? { reason: error } : {}) };
    this.data.say(this.message.reason ? `${this.message.text} Reason: ${this.message.reason}` : this.message.text);
    this.#changed({ action, authorizationId: id, status, ...(error ? { error } : {}) });
  }

  #askDelete(id: string): void {
    this.deleteError = undefined;
    this.confirming = this.confirming === id ? undefined : id;
    if (this.confirming) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('#confirm-cancel')?.focus());
  }

  #cancelDelete(): void {
    const id = this.confirming;
    this.confirming = undefined;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#delete-${CSS.escape(id ?? '')}`)?.focus());
  }

  #onConfirmKey = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      this.#cancelDelete();
    }
  };

  async #delete(a: Authorization): Promise<void> {
    this.busy = true;
    this.deleteError = undefined;
    try {
      await this.data.store.client.deleteAuthorization(a.id, this.#side.signal);
      this.confirming = undefined;
      this.message = { level: 'healthy', text: `Authorization “${a.label}” deleted.` };
      this.data.say(this.message.text);
      this.#changed({ action: 'delete', authorizationId: a.id, status: 'deleted' });
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('#list-title')?.focus());
    } catch (error) {
      if (isAbortError(error)) return;
      this.deleteError = error;
      emitError(this, error);
    } finally {
      this.busy = false;
    }
  }

  /** Every widget of this API base loads again, then the event tells the page. */
  #changed(detail: O365AuthorizationChangeDetail): void {
    invalidateStores(this.data.config.apiBase);
    emit(this, 'o365-authorization-change', detail);
  }
}

customElements.define('o365-oauth-settings', O365OAuthSettings);

declare global {
  interface HTMLElementTagNameMap {
    'o365-oauth-settings': O365OAuthSettings;
  }
}
