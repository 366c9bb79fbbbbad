/*
 * Northbridge IT Operations portal: the portal's own behaviour around the o365-health widgets.
 *
 * - Light/dark switch: follows `prefers-color-scheme` until the user chooses, then remembers the
 *   choice in localStorage. The widgets follow through the `--o365-*` tokens set in portal.css.
 * - Tenant switcher: when the page's API key sees several tenants (GET /api/tenants), a select
 *   in the top bar sets the `tenant` attribute of every health, messages and uptime widget.
 * - The "Microsoft 365 is simulated" note is shown only when /demo/config.js says so.
 *
 * Loaded as a module from 'self' (the page's CSP has no 'unsafe-inline').
 */

const THEME_KEY = 'northbridge.theme';
const TENANT_KEY = 'northbridge.o365.tenant';
const TENANT_WIDGETS = 'o365-service-health, o365-service-messages, o365-service-uptime';

const storage = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch {
      /* storage blocked: the choice lasts for this page only */
    }
  },
};

/* ---------- Theme ---------- */

const systemDark = window.matchMedia('(prefers-color-scheme: dark)');

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  for (const toggle of document.querySelectorAll('[data-theme-toggle]')) {
    toggle.setAttribute('aria-checked', String(theme === 'dark'));
  }
}

function currentTheme() {
  const saved = storage.get(THEME_KEY);
  if (saved === 'dark' || saved === 'light') return saved;
  return systemDark.matches ? 'dark' : 'light';
}

applyTheme(currentTheme());
for (const toggle of document.querySelectorAll('[data-theme-toggle]')) {
  toggle.addEventListener('click', () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    storage.set(THEME_KEY, next);
    applyTheme(next);
  });
}
// Until the user chooses, follow the system setting as it changes.
systemDark.addEventListener('change', () => {
  if (!storage.get(THEME_KEY)) applyTheme(currentTheme());
});

/* ---------- Simulated-Microsoft note ---------- */

const pageConfig = window.O365Health ?? {};
for (const note of document.querySelectorAll('[data-simulated-note]')) note.hidden = !pageConfig.simulated;

/* ---------- Links that are not part of the demo ---------- */

const toast = document.createElement('div');
toast.className = 'toast';
toast.setAttribute('role', 'status');
document.body.append(toast);
let toastTimer;
function say(text) {
  toast.textContent = text;
  toast.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => toast.classList.remove('visible'), 4000);
}
for (const link of document.querySelectorAll('[data-demo-link]')) {
  link.addEventListener('click', (e) => {
    e.preventDefault();
    say(`“${link.textContent.trim()}” is part of the Northbridge portal, not of this demo.`);
  });
}
for (const form of document.querySelectorAll('[data-demo-search]')) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    say('Intranet search is not part of this demo.');
  });
}

/* ---------- Tenant switcher ---------- */

const switcher = document.querySelector('[data-tenant-switcher]');
const select = switcher?.querySelector('select');

function tenantWidgets() {
  return document.querySelectorAll(TENANT_WIDGETS);
}

/** Sets (or clears, for "first active tenant") the `tenant` attribute of every widget. */
function showTenant(tenantId) {
  for (const el of tenantWidgets()) {
    if (tenantId) el.setAttribute('tenant', tenantId);
    else el.removeAttribute('tenant');
  }
}

let loading = null;

/** Reads the tenants the page's key can see and rebuilds the switcher. */
async function syncTenants() {
  if (!select) return;
  if (loading) return loading;
  loading = (async () => {
    const apiBase = (pageConfig.apiBase || location.origin).replace(/\/+$/, '');
    let tenants;
    try {
      const res = await fetch(`${apiBase}/api/tenants`, {
        headers: pageConfig.apiKey ? { authorization: `Bearer ${pageConfig.apiKey}`, accept: 'application/json' } : {},
        credentials: 'omit',
        cache: 'no-cache',
      });
      if (!res.ok) return;
      ({ tenants } = await res.json());
    } catch {
      return; // the widgets show the error themselves
    }
    const saved = storage.get(TENANT_KEY);
    const chosen = tenants.find((t) => t.tenantId === saved) ? saved : '';
    if (!chosen && saved) storage.set(TENANT_KEY, null);

    select.replaceChildren(
      ...tenants.map((t) => {
        const option = new Option(t.label === t.displayName ? t.label : `${t.displayName} (${t.label})`, t.tenantId);
        if (t.status !== 'active') option.text += ' · needs attention';
        return option;
      }),
    );
    // Without a choice the widgets show the first active tenant: show that one as selected.
    const shown = chosen || (tenants.find((t) => t.status === 'active') ?? tenants[0])?.tenantId || '';
    select.value = shown;
    switcher.hidden = tenants.length < 2;
    showTenant(chosen);
  })().finally(() => {
    loading = null;
  });
  return loading;
}

if (select) {
  select.addEventListener('change', () => {
    storage.set(TENANT_KEY, select.value);
    showTenant(select.value);
  });
  void syncTenants();
  // Authorizations changed (the settings element, here or in another tab): the list changes.
  document.addEventListener('o365-authorization-change', () => void syncTenants());
  window.addEventListener('storage', (e) => {
    if (e.key === TENANT_KEY) void syncTenants();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void syncTenants();
  });
  // A widget found no tenant matching the one chosen here (it was deleted): refresh the list.
  document.addEventListener('o365-load', (e) => {
    if (e.detail && 'tenant' in e.detail && e.detail.tenant === null && e.target.hasAttribute?.('tenant')) void syncTenants();
  });
}
