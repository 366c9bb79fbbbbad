/**
 * Sanitises the HTML of Microsoft's service health posts before it is stored and served.
 *
 * Graph calls a post body `html`, but in practice (see `test/fixtures/graph/`) the content is
 * plain text with `\n` line breaks, sometimes with a stray Markdown hard-break backslash before a
 * newline (`...2022\\\n\nUser impact: ...`). Such bodies are turned into paragraphs and `<br>`s so
 * they read well; real markup is kept when it is on the allow-list. Either way the result goes
 * through `sanitize-html` last, so nothing a post carries can run in a page: no scripts, styles,
 * event handlers, iframes, or `javascript:`/`data:` URLs.
 */
import sanitizeHtml from 'sanitize-html';

/** Tags Microsoft's posts may use. Everything else is dropped (its text kept, except scripts and styles). */
const ALLOWED_TAGS = [
  'p', 'br', 'b', 'strong', 'i', 'em', 'u', 'ul', 'ol', 'li', 'a',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td',
  'span', 'div', 'code', 'pre', 'blockquote',
];

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: {
    a: ['href', 'rel', 'target'],
    th: ['colspan', 'rowspan'],
    td: ['colspan', 'rowspan'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  // `//evil.example/x` would inherit the embedding page's scheme; only absolute or relative links.
  allowProtocolRelative: false,
  allowedStyles: {},
  allowedClasses: {},
  disallowedTagsMode: 'discard',
  // Content of these is never shown as text (script source, CSS, fallback markup).
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'template', 'svg', 'math'],
  transformTags: {
    // Every link opens a new browsing context without access to the widget's page.
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer', target: '_blank' }),
  },
};

/** Tags that show the body is real HTML, whose line breaks are layout rather than content. */
const BLOCK_MARKUP = /<(p|br|div|ul|ol|li|table|tr|h[1-6]|pre|blockquote)\b/i;

/** Escapes text for use inside HTML. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Turns line-broken text (already safe for HTML) into paragraphs: a blank line starts a new
 * `<p>`, a single line break becomes `<br>`. A backslash just before a line break (a Markdown
 * hard break that leaks into Microsoft's posts) is dropped.
 */
function linesToHtml(text: string): string {
  const normalized = text.replace(/\r\n?/g, '\n').replace(/\\+(?=\n)/g, '').trim();
  if (normalized === '') return '';
  return normalized
    .split(/\n[ \t]*\n+/)
    .map((block) => block.trim())
    .filter((block) => block !== '')
    .map((block) => `<p>${block.split('\n').map((line) => line.trim()).join('<br>')}</p>`)
    .join('');
}

/** Sanitises a post body Graph marked as `html`. Always returns safe HTML. */
export function sanitizePostHtml(html: string): string {
  const withBreaks = BLOCK_MARKUP.test(html) ? html : linesToHtml(html);
  return sanitizeHtml(withBreaks, OPTIONS);
}

/** Renders a post body Graph marked as `text`: escaped, line breaks kept, then sanitised like any post. */
export function textPostToHtml(text: string): string {
  return sanitizeHtml(linesToHtml(escapeHtml(text)), OPTIONS);
}

/** Renders a post body of either content type (compared case-insensitively; anything but `html` is text). */
export function renderPostBody(contentType: string, content: string): string {
  return contentType.toLowerCase() === 'html' ? sanitizePostHtml(content) : textPostToHtml(content);
}
