import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import { ApiError, isAbortError } from '../api/client.js';
import { CHANNEL_KINDS, EVENT_TYPES, type Channel, type ChannelFilters, type ChannelKind } from '../api/types.js';
import { O365Element } from '../internal/base.js';
import { DataController } from '../internal/data.js';
import { emit, emitError } from '../internal/events.js';
import { LEVEL_ICONS, pendingIcon, renderStatus, trashIcon } from '../internal/icons.js';
import { CLASSIFICATIONS, CLASSIFICATION_TEXT, type Level } from '../internal/status.js';
import { elementTokens, hostStyles, settingsStyles } from '../internal/styles.js';
import { breakable, errorText, failure, loading, time, zone } from '../internal/templates.js';
import { channelState, deliveryStatus, eventText, filterText, formFilters, kindText, testText } from './notification-settings.mapping.js';
import { notificationSettingsStyles } from './notification-settings.styles.js';
import { KIND_INFO, type DeliveryLog, type NotificationSettingsData, type O365ChannelChangeDetail, type TestOutcome } from './notification-settings.types.js';

/** How many entries of a channel's delivery log are shown. */
export const DELIVERIES_SHOWN = 20;

/** What an edit leaves as it is, by kind (the API renames and re-filters; a new target is a new channel). */
const EDIT_KEEPS: Record<string, string> = {
  webhook: 'The URL and the signing secret stay as they are; for another URL, add a new channel.',
  teams: 'The URL stays as it is; for another URL, add a new channel.',
  slack: 'The URL stays as it is; for another URL, add a new channel.',
  email: 'The addresses stay as they are; for other addresses, add a new channel.',
};

/** At most this many tenants' health is read for the service names the filters offer. */
const SERVICE_TENANTS = 10;

/**
 * Admin settings of the notification channels: where the server sends the change events
 * (new, updated and resolved incidents and advisories, service status changes, authorizations
 * that need renewal) — a signed webhook, a Microsoft Teams workflow, a Slack incoming webhook or
 * e-mail addresses, each with optional filters (tenants, services, classifications, event types).
 *
 * Each channel shows its kind, masked target, filters, state, last delivery and last error; it can
 * send a test event (the outcome is shown), show its recent deliveries, be renamed or re-filtered
 * in place (its target and signing secret stay as they are), be disabled and enabled again, and
 * be deleted after an in-place confirmation. A new webhook's signing secret is shown
 * once, right after it was added, with a Copy button: the server never shows it again.
 *
 * The tenants and services offered as filters are the org's (`GET /api/tenants` and each tenant's
 * `GET …/health`, shared with the other widgets of the page). A viewer key gets 403 from
 * `GET /api/channels`: the element then says that an admin key is needed.
 *
 * Discovery: `api-base` and `api-key` attributes, else `window.O365Health` /
 * `<meta name="o365-health">`, else the script's origin.
 *
 * Themes: the light and dark theme files set the `--o365-*` page tokens. The server serves them
 * next to the bundle, `<link rel="stylesheet" href="https://health.example.com/widgets/light.css">`
 * (or `…/widgets/dark.css`); bundler users import `@o365-health/widgets/themes/light.css` (or `dark.css`).
 * Each `--o365-<element>-*` property below overrides a token for this element alone.
 *
 * @summary Add, test, edit, disable and delete the notification channels (webhook, Teams, Slack, e-mail).
 *
 * @csspart base - The card around everything.
 * @csspart header - The title line.
 * @csspart title - The heading.
 * @csspart add-form - The "Add channel" form.
 * @csspart filters - The filters of the form (a disclosure).
 * @csspart add-button - The Add button.
 * @csspart message - The outcome of the last add, edit, enable, disable or delete.
 * @csspart secret - A new webhook's signing secret, shown once.
 * @csspart copy-button - The button that copies the signing secret.
 * @csspart list - The list of channels.
 * @csspart item - One channel (also `item-disabled` while disabled).
 * @csspart status - Icon and words of a state.
 * @csspart test-button - A channel's "Send test" button.
 * @csspart test-result - How the last test send went.
 * @csspart deliveries-button - The button that shows or hides a channel's recent deliveries.
 * @csspart deliveries - The recent deliveries of a channel.
 * @csspart delivery - One delivery.
 * @csspart edit-button - A channel's Edit button.
 * @csspart edit-form - The in-place form that renames and re-filters a channel.
 * @csspart save-button - The Save button of that form.
 * @csspart toggle-button - A channel's Disable / Enable button.
 * @csspart delete-button - The trash button of a channel.
 * @csspart confirm - The in-element delete confirmation.
 * @csspart read-only - The note shown to a viewer key.
 * @csspart loading - The loading state.
 * @csspart empty - The empty state.
 * @csspart error - The error state.
 * @csspart retry - The Retry button.
 * @csspart time-zone - "times in …": the zone of every time shown.
 *
 * @cssprop --o365-notification-settings-background - Card background (default `--o365-color-surface`).
 * @cssprop --o365-notification-settings-color - Text colour (default `--o365-color-text`).
 * @cssprop --o365-notification-settings-muted-color - Secondary text (default `--o365-color-text-muted`).
 * @cssprop --o365-notification-settings-border-color - Borders (default `--o365-color-border`).
 * @cssprop --o365-notification-settings-radius - Corner radius (default `--o365-radius`).
 * @cssprop --o365-notification-settings-padding - Card padding (default `--o365-space`).
 * @cssprop --o365-notification-settings-font-family - Font (default `--o365-font-family`).
 * @cssprop --o365-notification-settings-font-size - Base font size (default `--o365-font-size`).
 *
 * @fires {CustomEvent<NotificationSettingsLoadDetail>} o365-load - The channels loaded (also after each change).
 * @fires {CustomEvent<O365ErrorDetail>} o365-error - Loading, adding, changing, testing or deleting failed; `detail.status` is the HTTP status (0: network).
 * @fires {CustomEvent<O365ChannelChangeDetail>} o365-channel-change - A channel was added, edited, enabled, disabled, deleted or sent a test (`detail.delivery` tells how it went).
 */
export class O365NotificationSettings extends O365Element {
  /** Lit's reactive properties (`attribute: false`: internal state). Declared here rather than with decorators: the decorator helper cost the bundle ~0.5 KB gzip. */
  static override properties: PropertyDeclarations = {
    kind: { attribute: false },
    busy: { attribute: false },
    message: { attribute: false },
    secret: { attribute: false },
    confirming: { attribute: false },
    editing: { attribute: false },
    actionError: { attribute: false },
    tests: { attribute: false },
    logs: { attribute: false },
  };

  static override styles = [elementTokens('notification-settings'), hostStyles, settingsStyles, notificationSettingsStyles];

  /** The kind chosen in the form (its target field follows it). */
  private kind: ChannelKind = 'webhook';
  private busy = false;
  private message?: { level: Level; text: string };
  /** A new webhook's signing secret, until dismissed (the server shows it once). */
  private secret?: { name: string; value: string; copied?: boolean };
  private confirming?: string;
  /** The channel whose edit form is open, and what went wrong with its last save. */
  private editing?: { id: string; problem?: string };
  /** A failed enable, disable or delete, by channel id. */
  private actionError?: { id: string; error: unknown };
  private tests = new Map<string, TestOutcome>();
  /** The delivery logs shown, by channel id. */
  private logs = new Map<string, DeliveryLog>();

  #side = new AbortController();

  protected readonly data = new DataController<NotificationSettingsData>(this, {
    load: async (store, read) => {
      const [{ channels }, { tenants }] = await Promise.all([store.client.channels(read.signal), store.tenants(read)]);
      // Service names from the tenants' current health; a tenant whose health fails offers none.
      const healths = await Promise.allSettled(tenants.filter((t) => t.status === 'active').slice(0, SERVICE_TENANTS).map((t) => store.health(t.tenantId, read)));
      const names = healths.flatMap((r) => (r.status === 'fulfilled' ? r.value.services.map((s) => s.name) : []));
      return { channels, tenants, services: [...new Set(names)].sort((a, b) => a.localeCompare(b)) };
    },
    detail: (value) => ({ element: 'notification-settings', channels: value.channels }),
  });

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#side.abort();
    this.#side = new AbortController();
    this.busy = false;
  }

  override render(): TemplateResult {
    const { value, error } = this.data;
    return html`<section part="base" class="base" aria-labelledby="title">
      <div part="header" class="header"><h2 part="title" id="title">Notification channels</h2></div>
      ${this.data.failed
        ? error instanceof ApiError && error.status === 403
          ? html`<p part="read-only" class="notice level-advisory">
              ${LEVEL_ICONS.advisory}
              <span>This API key can only view service health. An admin API key is needed to see and change notification channels.</span>
            </p>`
          : failure('The notification channels could not be loaded.', () => this.data.run(), error)
        : !value
          ? loading('Loading notification channels')
          : html`${this.#addForm(value)} ${this.#list(value)}`}
      ${this.data.renderLive()}
    </section>`;
  }

  /**
   * The four filter groups, each a fieldset of checkboxes: the org's tenants and services, the
   * classifications and event types. `checked` (an edited channel's filters) ticks its values, and
   * a value the lists do not offer (a service no tenant reports at the moment) is offered too, so
   * saving the form keeps it.
   */
  #filterGroups({ tenants, services }: NotificationSettingsData, checked: ChannelFilters = {}): TemplateResult {
    const group = (name: keyof ChannelFilters, legend: string, offered: readonly (readonly [value: string, text: unknown])[]) => {
      const ticked = new Set<string>(checked[name] ?? []);
      const extra = [...ticked].filter((v) => !offered.some(([o]) => o === v));
      const options = [...offered, ...extra.map((v) => [v, name === 'tenants' ? `${v} (not connected)` : v] as const)];
      return options.length
        ? html`<fieldset>
            <legend>${legend}</legend>
            ${options.map(([v, t]) => html`<label class="check"><input type="checkbox" name=${name} .value=${v} ?checked=${ticked.has(v)} /> <span>${t}</span></label>`)}
          </fieldset>`
        : nothing;
    };
    return html`${group('tenants', 'Tenants', tenants.map((t) => [t.tenantId, breakable(t.label)] as const))}
    ${group('services', 'Services', services.map((s) => [s, s] as const))}
    ${group('classifications', 'Classifications', CLASSIFICATIONS.map((c) => [c, CLASSIFICATION_TEXT[c]] as const))}
    ${group('events', 'Events', EVENT_TYPES.filter((t) => t !== 'test').map((t) => [t, eventText(t)] as const))}`;
  }

  #addForm(value: NotificationSettingsData): TemplateResult {
    const info = KIND_INFO[this.kind];
    return html`<section aria-labelledby="add-title">
      <h3 id="add-title">Add channel</h3>
      <form part="add-form" @submit=${this.#onAdd} novalidate>
        <label class="kind"
          >Kind
          <select name="kind" @change=${(e: Event) => (this.kind = (e.target as HTMLSelectElement).value as ChannelKind)}>
            ${CHANNEL_KINDS.map((k) => html`<option value=${k} ?selected=${k === this.kind}>${KIND_INFO[k].text}</option>`)}
          </select>
        </label>
        <label>Name <input name="name" autocomplete="off" maxlength="100" /></label>
        <label class="target"
          >${info.target}
          <input name="target" type=${this.kind === 'email' ? 'email' : 'url'} ?multiple=${this.kind === 'email'} autocomplete="off" aria-describedby="target-hint" />
        </label>
        <p id="target-hint" class="hint muted small">${info.hint}</p>
        <details part="filters" class="filters">
          <summary>Filters <span class="muted small">(optional: a group left unchecked sends all of it)</span></summary>
          ${this.#filterGroups(value)}
        </details>
        <button part="add-button" class="btn primary" type="submit" ?disabled=${this.busy}>Add</button>
      </form>
      ${this.message
        ? html`<p part="message" class="message notice level-${this.message.level}" role=${this.message.level === 'critical' ? 'alert' : nothing}>
            ${LEVEL_ICONS[this.message.level]} <span>${this.message.text}</span>
          </p>`
        : nothing}
      ${this.secret ? this.#secret(this.secret) : nothing}
    </section>`;
  }

  #secret(s: NonNullable<O365NotificationSettings['secret']>): TemplateResult {
    return html`<div part="secret" class="secret notice level-advisory" role="group" aria-labelledby="secret-title">
      ${LEVEL_ICONS.advisory}
      <div>
        <p id="secret-title"><strong>Signing secret of “${s.name}”: copy it now, it is not shown again.</strong></p>
        <p class="small muted">Your receiver verifies the webhook-signature header of each delivery with it (Standard Webhooks).</p>
        <p><code id="secret-value">${s.value}</code></p>
        <p class="row">
          <button part="copy-button" class="btn" type="button" id="copy-secret" @click=${this.#copy}>${s.copied ? 'Copied' : 'Copy secret'}</button>
          <button class="btn" type="button" @click=${() => (this.secret = undefined)}>Done</button>
        </p>
      </div>
    </div>`;
  }

  #list(value: NotificationSettingsData): TemplateResult {
    const { channels, tenants } = value;
    return html`<section aria-labelledby="list-title">
      <h3 id="list-title" tabindex="-1">Channels</h3>
      ${channels.length
        ? html`<p class="small muted">${zone(this.data.config)}</p>
            <ul part="list" class="list">
              ${channels.map((c) => this.#item(c, filterText(c.filters, tenants), value))}
            </ul>`
        : html`<div part="empty" class="state">
            <p>No notification channel yet. Add one above to be told of new incidents and advisories in Teams, Slack, e-mail or your own webhook.</p>
            ${tenants.length ? nothing : html`<p class="muted">No Microsoft 365 tenant is connected yet: channels receive events once one is (OAuth settings).</p>`}
          </div>`}
    </section>`;
  }

  #item(c: Channel, filters: string, value: NotificationSettingsData): TemplateResult {
    const s = channelState(c);
    const cfg = this.data.config;
    const confirming = this.confirming === c.id;
    const editing = this.editing?.id === c.id;
    const test = this.tests.get(c.id);
    const log = this.logs.get(c.id);
    const failed = this.actionError?.id === c.id && !confirming ? this.actionError.error : undefined;
    return html`<li part="item ${c.enabled ? '' : 'item-disabled'}" class="item">
      <div class="item-main">
        <p class="item-label">${breakable(c.name)}</p>
        <p>${renderStatus(s.level, s.text)}</p>
        <dl class="small">
          <dt>Kind</dt><dd>${kindText(c.kind)}</dd>
          <dt>Target</dt><dd>${breakable(c.target)}</dd>
          <dt>Filters</dt><dd>${filters}</dd>
          <dt>Last delivery</dt><dd>${c.lastDeliveryAt ? time(c.lastDeliveryAt, cfg) : 'Never'}</dd>
          ${c.lastError ? html`<dt>Last error</dt><dd>${c.lastError}</dd>` : nothing}
          <dt>Added</dt><dd>${time(c.createdAt, cfg)}</dd>
        </dl>
      </div>
      <div class="actions">
        <button part="test-button" class="btn" type="button" aria-disabled=${test?.status === 'loading'} @click=${() => this.#test(c)}>Send test</button>
        <button
          part="edit-button"
          class="btn"
          type="button"
          id="edit-${c.id}"
          aria-label="Edit ${c.name}"
          aria-expanded=${editing}
          aria-controls=${editing ? `edit-form-${c.id}` : nothing}
          @click=${() => this.#toggleEdit(c.id)}
        >
          Edit
        </button>
        <button
          part="deliveries-button"
          class="btn"
          type="button"
          aria-expanded=${!!log}
          aria-controls="deliveries-${c.id}"
          @click=${() => this.#toggleLog(c.id)}
        >
          Deliveries
        </button>
        <button part="toggle-button" class="btn" type="button" ?disabled=${this.busy} @click=${() => this.#setEnabled(c, !c.enabled)}>
          ${c.enabled ? 'Disable' : 'Enable'}
        </button>
        <button
          part="delete-button"
          class="btn icon-btn"
          type="button"
          id="delete-${c.id}"
          aria-label="Delete ${c.name}"
          aria-expanded=${confirming}
          @click=${() => this.#askDelete(c.id)}
        >
          ${trashIcon}
        </button>
      </div>
      ${editing ? this.#editForm(c, value) : nothing}
      ${test ? this.#testResult(test) : nothing}
      ${failed ? html`<p part="error" class="wide" role="alert">The channel could not be changed. ${errorText(failed)}</p>` : nothing}
      ${log ? this.#deliveries(c.id, log) : nothing}
      ${confirming ? this.#confirm(c) : nothing}
    </li>`;
  }

  #editForm(c: Channel, value: NotificationSettingsData): TemplateResult {
    const problem = this.editing?.problem;
    return html`<form
      part="edit-form"
      class="wide edit"
      id="edit-form-${c.id}"
      aria-label="Edit ${c.name}"
      novalidate
      @submit=${(e: Event) => this.#onSave(e, c)}
      @keydown=${this.#onEditKey}
    >
      <label>Name <input name="name" autocomplete="off" maxlength="100" .value=${c.name} /></label>
      <p class="hint muted small">A filter group left unchecked sends all of it. ${EDIT_KEEPS[c.kind] ?? EDIT_KEEPS.webhook}</p>
      <div class="wide">${this.#filterGroups(value, c.filters)}</div>
      ${problem ? html`<p part="error" class="wide" role="alert">${problem}</p>` : nothing}
      <p class="row wide">
        <button part="save-button" class="btn primary" type="submit" ?disabled=${this.busy}>Save</button>
        <button class="btn" type="button" id="edit-cancel" @click=${() => this.#closeEdit()}>Cancel</button>
      </p>
    </form>`;
  }

  #testResult(t: TestOutcome): TemplateResult {
    if (t.status === 'loading') return html`<p part="test-result" class="wide small">${pendingIcon} Sending a test event…</p>`;
    if (t.status === 'error') return html`<p part="test-result" class="wide small" role="alert">The test could not be sent. ${errorText(t.error)}</p>`;
    const ok = t.value.status === 'delivered';
    return html`<p part="test-result" class="wide small">${renderStatus(ok ? 'healthy' : 'critical', testText(t.value))}</p>`;
  }

  #deliveries(id: string, log: DeliveryLog): TemplateResult {
    const c = this.data.config;
    return html`<div part="deliveries" class="wide deliveries" id="deliveries-${id}" role="region" aria-label="Recent deliveries">
      ${log.status === 'loading'
        ? loading('Loading deliveries')
        : log.status === 'error'
          ? failure('The deliveries could not be loaded.', () => this.#loadLog(id), log.error)
          : log.value.length
            ? html`<ol class="list">
                ${log.value.map((d) => {
                  const s = deliveryStatus(d.status);
                  return html`<li part="delivery" class="delivery small">
                    ${renderStatus(s.level, s.text, d.status === 'pending' ? pendingIcon : undefined)}
                    <span>${eventText(d.type)}</span>
                    <span class="muted"
                      >${d.attempts === 1 ? '1 attempt' : `${d.attempts} attempts`}${d.responseStatus ? ` · HTTP ${d.responseStatus}` : ''}${d.lastAttemptAt
                        ? html` · ${time(d.lastAttemptAt, c)}`
                        : nothing}</span
                    >
                    ${d.error ? html`<span class="reason">${d.error}</span>` : nothing}
                  </li>`;
                })}
              </ol>`
            : html`<p class="small muted">No deliveries yet. Send a test to see one here.</p>`}
    </div>`;
  }

  #confirm(c: Channel): TemplateResult {
    return html`<div part="confirm" class="confirm" role="group" aria-labelledby="confirm-text" @keydown=${this.#onConfirmKey}>
      <p id="confirm-text">Delete the channel “${breakable(c.name)}”? It stops receiving events, and its delivery log is deleted with it.</p>
      <button class="btn danger" type="button" ?disabled=${this.busy} @click=${() => this.#delete(c)}>Delete</button>
      <button class="btn" type="button" id="confirm-cancel" @click=${() => this.#cancelDelete()}>Cancel</button>
      ${this.actionError?.id === c.id ? html`<p part="error" role="alert">The channel could not be deleted. ${errorText(this.actionError.error)}</p>` : nothing}
    </div>`;
  }

  #focus(selector: string): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(selector)?.focus());
  }

  /** Says `text` in the message line and the live region. */
  #tell(level: Level, text: string): void {
    this.message = { level, text };
    this.data.say(text);
  }

  #onAdd = async (e: Event): Promise<void> => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const target = String(data.get('target') ?? '').trim();
    const missing = !name ? 'name' : !target ? 'target' : '';
    if (missing) {
      this.message = { level: 'critical', text: missing === 'name' ? 'Enter a name for the channel.' : `Enter the ${KIND_INFO[this.kind].target.toLowerCase()} to send to.` };
      return this.#focus(`input[name="${missing}"]`);
    }
    this.busy = true;
    this.message = this.secret = undefined;
    try {
      const created = await this.data.store.client.createChannel({ kind: this.kind, name, target, filters: formFilters(data) }, this.#side.signal);
      form.reset();
      this.kind = 'webhook';
      this.#tell('healthy', `Channel “${created.channel.name}” added.`);
      if (created.secret) {
        this.secret = { name: created.channel.name, value: created.secret };
        this.#focus('#copy-secret');
      }
      this.#changed({ action: 'add', channelId: created.channel.id });
    } catch (error) {
      if (isAbortError(error)) return;
      this.message = { level: 'critical', text: `The channel could not be added. ${errorText(error)}` };
      emitError(this, error);
    } finally {
      this.busy = false;
    }
  };

  #copy = async (): Promise<void> => {
    const s = this.secret!;
    try {
      await navigator.clipboard.writeText(s.value);
      this.secret = { ...s, copied: true };
      this.data.say('Signing secret copied.');
    } catch {
      // No clipboard access (permissions, an insecure page): select it for Ctrl+C instead.
      const code = this.renderRoot.querySelector('#secret-value')!;
      getSelection()?.selectAllChildren(code);
      this.data.say('The secret is selected: press Ctrl+C (⌘C on a Mac) to copy it.');
    }
  };

  async #test(c: Channel): Promise<void> {
    if (this.tests.get(c.id)?.status === 'loading') return;
    const set = (t: TestOutcome) => (this.tests = new Map(this.tests).set(c.id, t));
    set({ status: 'loading' });
    try {
      const { delivery } = await this.data.store.client.testChannel(c.id, this.#side.signal);
      set({ status: 'ready', value: delivery });
      this.data.say(`${c.name}: ${testText(delivery)}`);
      this.#changed({ action: 'test', channelId: c.id, delivery });
      if (this.logs.has(c.id)) void this.#loadLog(c.id);
    } catch (error) {
      if (isAbortError(error)) return;
      set({ status: 'error', error });
      emitError(this, error);
    }
  }

  #toggleLog(id: string): void {
    const logs = new Map(this.logs);
    if (!logs.delete(id)) return void this.#loadLog(id);
    this.logs = logs;
  }

  async #loadLog(id: string): Promise<void> {
    const set = (l: DeliveryLog) => (this.logs = new Map(this.logs).set(id, l));
    if (!this.logs.has(id)) set({ status: 'loading' });
    try {
      set({ status: 'ready', value: (await this.data.store.client.channelDeliveries(id, DELIVERIES_SHOWN, this.#side.signal)).deliveries });
    } catch (error) {
      if (isAbortError(error)) return;
      set({ status: 'error', error });
      emitError(this, error);
    }
  }

  async #setEnabled(c: Channel, enabled: boolean): Promise<void> {
    this.busy = true;
    this.actionError = undefined;
    try {
      await this.data.store.client.updateChannel(c.id, { enabled }, this.#side.signal);
      this.#tell('healthy', `Channel “${c.name}” ${enabled ? 'enabled' : 'disabled'}.`);
      this.#changed({ action: enabled ? 'enable' : 'disable', channelId: c.id });
    } catch (error) {
      if (isAbortError(error)) return;
      this.actionError = { id: c.id, error };
      emitError(this, error);
    } finally {
      this.busy = false;
    }
  }

  #toggleEdit(id: string): void {
    if (this.editing?.id === id) return this.#closeEdit();
    this.actionError = undefined;
    this.editing = { id };
    this.#focus(`#edit-form-${CSS.escape(id)} input[name="name"]`);
  }

  /** Closes the edit form, focus back on its Edit button. */
  #closeEdit(): void {
    const id = this.editing?.id;
    this.editing = undefined;
    if (id) this.#focus(`#edit-${CSS.escape(id)}`);
  }

  #onEditKey = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      this.#closeEdit();
    }
  };

  async #onSave(e: Event, c: Channel): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const name = String(data.get('name') ?? '').trim();
    if (!name) {
      this.editing = { id: c.id, problem: 'Enter a name for the channel.' };
      return this.#focus(`#edit-form-${CSS.escape(c.id)} input[name="name"]`);
    }
    this.busy = true;
    this.editing = { id: c.id };
    try {
      const { channel } = await this.data.store.client.updateChannel(c.id, { name, filters: formFilters(data) }, this.#side.signal);
      this.#closeEdit();
      this.#tell('healthy', `Channel “${channel.name}” saved.`);
      this.#changed({ action: 'edit', channelId: c.id });
    } catch (error) {
      if (isAbortError(error)) return;
      // The form stays open with what was entered, and says why.
      this.editing = { id: c.id, problem: `The channel could not be saved. ${errorText(error)}` };
      emitError(this, error);
    } finally {
      this.busy = false;
    }
  }

  #askDelete(id: string): void {
    this.actionError = undefined;
    this.confirming = this.confirming === id ? undefined : id;
    if (this.confirming) this.#focus('#confirm-cancel');
  }

  #cancelDelete(): void {
    const id = this.confirming;
    this.confirming = undefined;
    this.#focus(`#delete-${CSS.escape(id ?? '')}`);
  }

  #onConfirmKey = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      this.#cancelDelete();
    }
  };

  async #delete(c: Channel): Promise<void> {
    this.busy = true;
    this.actionError = undefined;
    try {
      await this.data.store.client.deleteChannel(c.id, this.#side.signal);
      this.confirming = undefined;
      this.#tell('healthy', `Channel “${c.name}” deleted.`);
      this.#changed({ action: 'delete', channelId: c.id });
      this.#focus('#list-title');
    } catch (error) {
      if (isAbortError(error)) return;
      this.actionError = { id: c.id, error };
      emitError(this, error);
    } finally {
      this.busy = false;
    }
  }

  /** The list loads again (lastDeliveryAt, enabled…), then the event tells the page. */
  #changed(detail: O365ChannelChangeDetail): void {
    void this.data.run();
    emit(this, 'o365-channel-change', detail);
  }
}

customElements.define('o365-notification-settings', O365NotificationSettings);

declare global {
  interface HTMLElementTagNameMap {
    'o365-notification-settings': O365NotificationSettings;
  }
}
