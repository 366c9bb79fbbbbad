/*
 * Northbridge IT Operations portal: the portal's own behaviour around the o365-health widgets.
 *
 * - Light/dark switch: follows `prefers-color-scheme` until the user chooses, then remembers the
 *   choice in localStorage. The widgets follow through the `--o365-*` tokens set in portal.css.
 * - Which tenant the dashboard shows is the widgets' own business: a tenant picked in
 *   <o365-tenant-overview> is shown by every widget with tenant="selected" (no code here).
 * - The "Microsoft 365 is simulated" note is shown only when /demo/config.js says so.
 *
 * Loaded as a module from 'self' (the page's CSP has no 'unsafe-inline').
 */

const THEME_KEY = 'northbridge.theme';

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
