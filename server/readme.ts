/**
 * `/readme`: the project's README.md rendered to HTML (marked), so the demo portal's "Connect a
 * real tenant" link and an evaluator's browser reach the documentation without leaving the server.
 * Heading ids follow GitHub's anchors (`#connect-a-real-tenant`). The README is this project's
 * own file, read once; it is not user input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Marked } from 'marked';

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

const STYLE = `body{font:16px/1.6 system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
img{max-width:100%;height:auto;border:1px solid #d1d1d1}table{border-collapse:collapse;display:block;overflow-x:auto}
th,td{border:1px solid #d1d1d1;padding:.3rem .5rem;text-align:left;vertical-align:top}
code{background:#f3f3f3;padding:0 .2rem;border-radius:3px}pre{background:#f3f3f3;padding:.8rem;overflow-x:auto}pre code{padding:0}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}code,pre{background:#222}th,td,img{border-color:#444}a{color:#6cb8f6}}`;

/** The documents the server renders, by the path they have in the repository. */
export const DOCUMENTS = {
  'README.md': { route: '/readme', title: 'o365-health — README' },
  'widgets/README.md': { route: '/readme/widgets', title: '@o365-health/widgets — README' },
  LICENSE: { route: '/LICENSE', title: 'LICENSE' },
} as const;

export type DocumentPath = keyof typeof DOCUMENTS;

/**
 * Where a relative link of the document at `from` points on this server: a link to another
 * served document (`LICENSE`, `widgets/README.md`, `../README.md#…`) becomes its route, keeping
 * the fragment; anything else is left as written.
 */
export function serverLink(href: string, from: DocumentPath): string {
  if (/^[a-z][a-z0-9+.-]*:|^\/|^#/i.test(href)) return href;
  const [path = '', fragment] = href.split('#', 2);
  const base = from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
  const parts: string[] = [];
  for (const part of (base + path).split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  const target = DOCUMENTS[parts.join('/') as DocumentPath];
  return target ? `${target.route}${fragment ? `#${fragment}` : ''}` : href;
}

/** Renders a Markdown document of `rootDir` (README.md by default) as a complete HTML page. */
export function renderReadme(rootDir: string, document: Exclude<DocumentPath, 'LICENSE'> = 'README.md'): string {
  const marked = new Marked({
    gfm: true,
    walkTokens(token) {
      if (token.type === 'link') token.href = serverLink(token.href, document);
    },
    renderer: {
      heading({ tokens, depth, text }) {
        return `<h${depth} id="${headingSlug(text)}">${this.parser.parseInline(tokens)}</h${depth}>\n`;
      },
    },
  });
  const body = marked.parse(readFileSync(join(rootDir, document), 'utf8'), { async: false });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${DOCUMENTS[document].title}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}
