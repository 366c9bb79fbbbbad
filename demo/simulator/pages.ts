/**
 * The HTML pages of the simulated sign-in: account picker, consent and error pages. Plain forms,
 * no JavaScript, labelled controls, so they work in any browser, with Playwright and over fetch.
 */
import type { AppRegistration, Permission } from './state.js';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const STYLE = `
  body { font-family: "Segoe UI", system-ui, sans-serif; background: #f2f2f2; color: #1b1b1b; margin: 0; }
  main { max-width: 440px; margin: 8vh auto; background: #fff; padding: 44px; box-shadow: 0 2px 6px rgba(0,0,0,.2); }
  h1 { font-size: 1.5rem; font-weight: 600; margin: 0 0 16px; }
  .brand { font-weight: 600; color: #5e5e5e; margin-bottom: 16px; }
  ul { list-style: none; padding: 0; margin: 0; }
  li { margin: 8px 0; }
  .account { width: 100%; text-align: left; padding: 12px; border: 1px solid #ccc; background: #fff; cursor: pointer; font: inherit; }
  .account:hover, .account:focus { background: #f2f2f2; outline: 2px solid #0067b8; }
  .account small { display: block; color: #5e5e5e; }
  .actions { display: flex; gap: 8px; justify-content: flex-end; margin-top: 24px; }
  .actions button { min-width: 108px; padding: 8px 12px; font: inherit; border: 1px solid #8a8a8a; background: #ccc; cursor: pointer; }
  .actions button[value=accept] { background: #0067b8; color: #fff; border-color: #0067b8; }
  .note { color: #5e5e5e; font-size: .875rem; }
  code { word-break: break-all; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="brand" aria-hidden="true">Microsoft (simulated)</div>
${body}
</main>
</body>
</html>`;
}

/** An account offered on the sign-in page. */
export interface AccountChoice {
  tenantId: string;
  tenantName: string;
  oid: string;
  upn: string;
  name: string;
}

/** The "Pick an account" page: one submit button per admin account. */
export function signInPage(action: string, interactionId: string, accounts: AccountChoice[], appName: string): string {
  const items = accounts
    .map(
      (a) => `<li><button class="account" type="submit" name="account" value="${escapeHtml(`${a.tenantId}:${a.oid}`)}">Sign in as ${escapeHtml(a.name)} (${escapeHtml(a.upn)})<small>${escapeHtml(a.tenantName)} · Global Administrator</small></button></li>`,
    )
    .join('\n');
  return layout(
    'Sign in to your account',
    `<h1>Pick an account</h1>
<p>to continue to ${escapeHtml(appName)}</p>
<form method="post" action="${escapeHtml(action)}" aria-label="Pick an account">
<input type="hidden" name="interaction" value="${escapeHtml(interactionId)}">
<ul aria-label="Accounts">
${items}
</ul>
</form>
<p class="note">This is the Microsoft 365 simulator. No password is needed.</p>`,
  );
}

const PERMISSION_TEXT: Record<Permission, string> = {
  'ServiceHealth.Read.All': 'Read service health',
  'ServiceMessage.Read.All': 'Read service messages',
};

/** The "Permissions requested" page with Accept and Cancel. */
export function consentPage(
  action: string,
  interactionId: string,
  app: AppRegistration,
  account: { upn: string; tenantName: string },
): string {
  const permissions = app.permissions
    .map((p) => `<li><strong>${escapeHtml(PERMISSION_TEXT[p])}</strong> <span class="note">(${escapeHtml(p)})</span></li>`)
    .join('\n');
  return layout(
    'Permissions requested',
    `<p class="note">${escapeHtml(account.upn)}</p>
<h1>Permissions requested</h1>
<p><strong>${escapeHtml(app.displayName)}</strong> <span class="note">(app id <code>${escapeHtml(app.clientId)}</code>)</span></p>
<p>This app would like to:</p>
<ul aria-label="Permissions">
${permissions}
<li><strong>Maintain access to data you have given it access to</strong> <span class="note">(offline_access)</span></li>
</ul>
<p>If you accept, this app will get access to the specified resources for all users in your organization (${escapeHtml(account.tenantName)}). No one else will be prompted to review these permissions.</p>
<form method="post" action="${escapeHtml(action)}" aria-label="Consent">
<input type="hidden" name="interaction" value="${escapeHtml(interactionId)}">
<div class="actions">
<button type="submit" name="decision" value="cancel">Cancel</button>
<button type="submit" name="decision" value="accept">Accept</button>
</div>
</form>`,
  );
}

/** Microsoft's error page ("Sorry, but we're having trouble signing you in"). */
export function errorPage(code: number, message: string, details: { traceId: string; correlationId: string; timestamp: string }): string {
  return layout(
    'Sign in error',
    `<h1>Sorry, but we’re having trouble signing you in.</h1>
<p role="alert"><strong>AADSTS${code}:</strong> ${escapeHtml(message)}</p>
<dl class="note">
<dt>Request Id</dt><dd>${escapeHtml(details.traceId)}</dd>
<dt>Correlation Id</dt><dd>${escapeHtml(details.correlationId)}</dd>
<dt>Timestamp</dt><dd>${escapeHtml(details.timestamp)}</dd>
</dl>`,
  );
}

/** The page the browser sees with `response_mode=form_post`: posts the result back at once. */
export function formPostPage(redirectUri: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  return layout(
    'Working...',
    `<form method="post" action="${escapeHtml(redirectUri)}" aria-label="Continue">
${inputs}
<noscript><p>Script is disabled. Click Continue to go on.</p></noscript>
<button type="submit">Continue</button>
</form>
<script>document.forms[0].submit()</script>`,
  );
}
