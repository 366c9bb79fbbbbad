import { describe, expect, it } from 'vitest';
import { renderPostBody, sanitizePostHtml, textPostToHtml } from '../../server/sanitize.js';
import { fixtureIssues } from './support/graph-records.js';

/** Everything that could run script or restyle the host page, in any spelling. */
function expectInert(html: string) {
  expect(html).not.toMatch(/<\s*script/i);
  expect(html).not.toMatch(/<\s*(iframe|object|embed|svg|math|style|form|img|link|meta|base)\b/i);
  expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/\sstyle\s*=/i);
  expect(html).not.toMatch(/(javascript|vbscript|data)\s*:/i);
}

describe('sanitizePostHtml: hostile posts are rendered inert', () => {
  const hostile: Array<[string, string]> = [
    ['script element', 'Before<script>alert(document.cookie)</script>After'],
    ['script with odd casing and attributes', '<ScRiPt type="module" src="https://evil.example/x.js"></sCrIpT>ok'],
    ['img onerror', '<p>See <img src=x onerror="alert(1)"> here</p>'],
    ['event handler on an allowed tag', '<p onclick="alert(1)" onmouseover=alert(2)>Click</p>'],
    ['javascript: link', '<a href="javascript:alert(1)">Details</a>'],
    ['obfuscated javascript: link', '<a href="jav&#x09;ascript:alert(1)">x</a><a href="  JaVaScRiPt:alert(1)">y</a>'],
    ['data: link', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">open</a>'],
    ['iframe', '<iframe src="https://evil.example"></iframe><p>text</p>'],
    ['style attribute and element', '<p style="position:fixed;inset:0">cover</p><style>body{display:none}</style>'],
    ['svg onload', '<svg onload="alert(1)"><circle r="5"/></svg>'],
    ['form and input', '<form action="https://evil.example"><input name="password"></form>'],
    ['meta refresh and base', '<meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example/">'],
  ];

  for (const [name, html] of hostile) {
    it(name, () => expectInert(sanitizePostHtml(html)));
  }

  it('drops script and style contents instead of showing them as text', () => {
    const out = sanitizePostHtml('<p>Hello</p><script>var stolen = 1</script><style>.x{}</style>');
    expect(out).toBe('<p>Hello</p>');
  });

  it('keeps the text around removed elements', () => {
    expect(sanitizePostHtml('<p>Before<script>alert(1)</script>After</p>')).toBe('<p>BeforeAfter</p>');
  });
});

describe('sanitizePostHtml: what is kept', () => {
  it('keeps http, https and mailto links and makes them open safely', () => {
    const out = sanitizePostHtml('<p><a href="https://status.office.com/">status</a> <a href="mailto:help@contoso.com">mail</a></p>');
    expect(out).toBe(
      '<p><a href="https://status.office.com/" rel="noopener noreferrer" target="_blank">status</a> ' +
        '<a href="mailto:help@contoso.com" rel="noopener noreferrer" target="_blank">mail</a></p>',
    );
  });

  it('overrides a rel or target the post sets itself', () => {
    const out = sanitizePostHtml('<a href="https://x.example/" rel="opener" target="_top">x</a>');
    // A fragment without block markup is read as a line of text, hence the paragraph.
    expect(out).toBe('<p><a href="https://x.example/" rel="noopener noreferrer" target="_blank">x</a></p>');
  });

  it('keeps the structure Microsoft uses: lists, headings, tables, emphasis, code', () => {
    const html =
      '<h2>Next steps</h2><ul><li><b>Restart</b> the <em>client</em></li></ul>' +
      '<table><thead><tr><th>Region</th></tr></thead><tbody><tr><td colspan="2">EU</td></tr></tbody></table>' +
      '<pre><code>Get-Mailbox</code></pre><blockquote>quoted</blockquote>';
    expect(sanitizePostHtml(html)).toBe(html);
  });

  it('drops a protocol-relative link target', () => {
    expect(sanitizePostHtml('<a href="//evil.example/x">x</a>')).not.toContain('evil.example');
  });
});

describe('plain-text bodies read well', () => {
  it('turns blank lines into paragraphs and single line breaks into <br>', () => {
    expect(sanitizePostHtml('Title: Mail delays\n\nUser Impact: Users may\nsee delays.')).toBe(
      '<p>Title: Mail delays</p><p>User Impact: Users may<br />see delays.</p>',
    );
  });

  it('drops the stray Markdown hard-break backslashes of real posts', () => {
    const real = fixtureIssues().find((i) => i.id === 'EX415080')!.posts[0].content;
    expect(real).toContain('\\\n');
    const out = sanitizePostHtml(real);
    expect(out).not.toContain('\\');
    expect(out.startsWith('<p>Title: Admins')).toBe(true);
    expect(out.match(/<p>/g)).toHaveLength(3);
    expect(out).toContain('<p>Current status: We');
  });

  it('renders every fixture post as paragraphs without raw newlines', () => {
    for (const issue of fixtureIssues()) {
      for (const post of issue.posts) {
        const out = renderPostBody(post.contentType, post.content);
        expect(out, issue.id).toMatch(/^<p>.*<\/p>$/s);
        expect(out, issue.id).not.toMatch(/\n/);
        expectInert(out);
      }
    }
  });

  it('does not add breaks inside real HTML', () => {
    expect(sanitizePostHtml('<p>One</p>\n<p>Two</p>')).toBe('<p>One</p>\n<p>Two</p>');
  });

  it('escapes text-typed bodies rather than interpreting them', () => {
    expect(textPostToHtml('Use <script>alert(1)</script> & "quotes"\nnext line')).toBe(
      '<p>Use &lt;script&gt;alert(1)&lt;/script&gt; &amp; "quotes"<br />next line</p>',
    );
    expect(renderPostBody('Text', '<b>not bold</b>')).toBe('<p>&lt;b&gt;not bold&lt;/b&gt;</p>');
    expect(renderPostBody('HTML', '<b>bold</b>')).toBe('<p><b>bold</b></p>');
  });
});
