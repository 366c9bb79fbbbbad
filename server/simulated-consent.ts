/**
 * Walks the simulator's sign-in and consent pages over HTTP the way a browser without JavaScript
 * would (GET the authorize URL, submit the account button, submit Accept or Cancel, follow the
 * redirect to our callback). Simulator mode uses it to pre-authorize one tenant at start-up;
 * tests use it to run the real OAuth flow without a browser. It only understands plain HTML forms.
 */

interface FormButton {
  name: string | null;
  value: string;
  text: string;
}

interface ParsedForm {
  action: string;
  fields: Array<[string, string]>;
  buttons: FormButton[];
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const attr = (tag: string, name: string): string | null => {
  const m = new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag);
  return m ? decode(m[1]!) : null;
};

/** The forms of an HTML page (action, hidden fields, submit buttons with their text). */
export function parseForms(html: string, pageUrl: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const action = new URL(attr(m[1]!, 'action') ?? pageUrl, pageUrl).toString();
    const body = m[2]!;
    const fields: Array<[string, string]> = [];
    for (const input of body.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(input[0], 'name');
      if (name) fields.push([name, attr(input[0], 'value') ?? '']);
    }
    const buttons: FormButton[] = [];
    for (const b of body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      buttons.push({ name: attr(b[1]!, 'name'), value: attr(b[1]!, 'value') ?? '', text: decode(b[2]!.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim() });
    }
    forms.push({ action, fields, buttons });
  }
  return forms;
}

async function submit(pageUrl: string, html: string, pickButton: (b: FormButton) => boolean, what: string): Promise<Response> {
  for (const form of parseForms(html, pageUrl)) {
    const button = form.buttons.find(pickButton);
    if (!button) continue;
    const body = new URLSearchParams(form.fields);
    if (button.name) body.append(button.name, button.value);
    return fetch(form.action, { method: 'POST', body, redirect: 'manual' });
  }
  throw new Error(`No ${what} button on ${pageUrl}`);
}

/**
 * Signs in as `upn` and answers the consent page.
 * @returns the URL Microsoft redirected to (our callback with `code`/`state`, or with `error`).
 */
export async function walkSimulatedConsent(authorizeUrl: string, upn: string, decision: 'Accept' | 'Cancel' = 'Accept'): Promise<string> {
  let res = await fetch(authorizeUrl, { redirect: 'manual' });
  if (res.status !== 200) throw new Error(`The sign-in page answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  res = await submit(authorizeUrl, await res.text(), (b) => b.text.toLowerCase().includes(upn.toLowerCase()), `sign-in for ${upn}`);
  // The account page may redirect to the consent page, or render it directly.
  let pageUrl = authorizeUrl;
  while (res.status >= 300 && res.status < 400) {
    const location = new URL(res.headers.get('location')!, pageUrl).toString();
    if (location.includes('code=') || location.includes('error=')) return location;
    pageUrl = location;
    res = await fetch(location, { redirect: 'manual' });
  }
  if (res.status !== 200) throw new Error(`The consent page answered ${res.status}`);
  res = await submit(pageUrl, await res.text(), (b) => b.text === decision, decision);
  const location = res.headers.get('location');
  if (res.status < 300 || res.status >= 400 || !location) throw new Error(`Consent did not redirect (status ${res.status})`);
  return new URL(location, pageUrl).toString();
}
