/**
 * `npm run docs`: writes the element reference of README.md (between `<!-- manifest:start -->`
 * and `<!-- manifest:end -->`) from custom-elements.json (`npm run manifest`, from the class
 * JSDoc of the widgets), the theme files (widgets/themes/*.css) and package.json `exports`.
 *
 * `npm run docs:check` (`--check`): changes nothing, and fails when the README's region differs
 * from what would be written, so a widget API change cannot leave the README behind.
 * Writes `{ passed, failed, skipped }` to $CI_REPORT_DIR/docs.json when that is set (.ci/run).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = join(ROOT, 'README.md');
const START = '<!-- manifest:start -->';
const END = '<!-- manifest:end -->';

interface Typed {
  name: string;
  description?: string;
  type?: { text: string };
  default?: string;
}
interface Member extends Typed {
  kind: 'field' | 'method';
  privacy?: 'public' | 'private' | 'protected';
  static?: boolean;
  attribute?: string;
  readonly?: boolean;
  parameters?: Typed[];
  return?: { type?: { text: string } };
}
interface Declaration {
  kind: string;
  name: string;
  tagName?: string;
  customElement?: boolean;
  summary?: string;
  description?: string;
  attributes?: (Typed & { fieldName?: string })[];
  members?: Member[];
  events?: Typed[];
  slots?: Typed[];
  cssParts?: Typed[];
  cssProperties?: Typed[];
}
interface Manifest {
  modules: { path: string; declarations?: Declaration[] }[];
}

/** Text safe inside a Markdown table cell. */
const cell = (text: string | undefined): string => (text ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
const code = (text: string | undefined): string => (text ? `\`${cell(text).replace(/`/g, "'")}\`` : '');

/** JSDoc prose to Markdown paragraphs (single newlines inside a paragraph joined). */
const prose = (text: string | undefined): string =>
  (text ?? '')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter(Boolean)
    .join('\n\n');

function table(head: string[], rows: string[][]): string {
  if (!rows.length) return '';
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The widget package's name and `exports` (widgets/package.json). */
interface WidgetPackage {
  name: string;
  exports: Record<string, unknown>;
}

/** `@o365-health/widgets/service-health` for `service-health/service-health.ts`, from the package's `exports`. */
function importPath(modulePath: string, pkg: WidgetPackage): string | undefined {
  const built = `./dist/lib/${modulePath.replace(/^widgets\//, '').replace(/\.ts$/, '.js')}`;
  for (const [key, value] of Object.entries(pkg.exports)) {
    const target = typeof value === 'string' ? value : (value as { default?: string }).default;
    if (target === built) return key === '.' ? pkg.name : `${pkg.name}/${key.replace(/^\.\//, '')}`;
  }
  return undefined;
}

/** `--o365-…: value;` declarations of a theme file, in order. */
function themeTokens(css: string): Map<string, string> {
  const tokens = new Map<string, string>();
  const body = css.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const m of body.matchAll(/(--o365-[\w-]+)\s*:\s*([^;]+);/g)) tokens.set(m[1]!, m[2]!.trim());
  return tokens;
}

function elementSection(d: Declaration, modulePath: string, pkg: WidgetPackage): string {
  const out: string[] = [`### \`<${d.tagName}>\``, ''];
  if (d.summary) out.push(`**${cell(d.summary)}**`, '');
  if (d.description) out.push(prose(d.description), '');
  const from = importPath(modulePath, pkg);
  out.push(`Class \`${d.name}\`${from ? `; bundler import: \`import '${from}';\`` : ''}.`, '');

  const members = (d.members ?? []).filter((m) => !m.static && (m.privacy ?? 'public') === 'public' && !m.name.startsWith('#'));
  const fields = new Map(members.filter((m) => m.kind === 'field').map((m) => [m.name, m]));
  const attributes = d.attributes ?? [];
  const attributeRows = attributes.map((a) => {
    const field = a.fieldName ? fields.get(a.fieldName) : undefined;
    return [code(a.name), code(a.fieldName), code(a.type?.text ?? field?.type?.text), code(a.default ?? field?.default), cell(a.description ?? field?.description)];
  });
  const withAttribute = new Set(attributes.map((a) => a.fieldName));
  const propertyRows = [...fields.values()]
    .filter((f) => !withAttribute.has(f.name))
    .map((f) => ['', code(f.name), code(f.type?.text), code(f.default), cell(f.description)]);
  const rows = [...attributeRows, ...propertyRows];
  if (rows.length) out.push('Attributes and properties:', '', table(['attribute', 'property', 'type', 'default', 'description'], rows), '');

  const methods = members.filter((m) => m.kind === 'method');
  if (methods.length)
    out.push(
      'Methods:',
      '',
      table(
        ['method', 'description'],
        methods.map((m) => [code(`${m.name}(${(m.parameters ?? []).map((p) => p.name).join(', ')})${m.return?.type ? `: ${m.return.type.text}` : ''}`), cell(m.description)]),
      ),
      '',
    );

  if (d.events?.length)
    out.push(
      'Events (all bubble and are composed):',
      '',
      table(
        ['event', 'type', 'description'],
        d.events.map((e) => [code(e.name), code(e.type?.text), cell(e.description)]),
      ),
      '',
    );
  if (d.slots?.length) out.push('Slots:', '', table(['slot', 'description'], d.slots.map((s) => [s.name ? code(s.name) : '(default)', cell(s.description)])), '');
  if (d.cssParts?.length) out.push('Parts (`::part(…)`):', '', table(['part', 'description'], d.cssParts.map((p) => [code(p.name), cell(p.description)])), '');
  if (d.cssProperties?.length)
    out.push(
      'CSS custom properties:',
      '',
      table(['property', 'description'], d.cssProperties.map((p) => [code(p.name), cell(p.description)])),
      '',
    );
  return out.join('\n');
}

/** The generated region, markers included. */
function generate(): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'widgets', 'custom-elements.json'), 'utf8')) as Manifest;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'widgets', 'package.json'), 'utf8')) as WidgetPackage;
  const sections: string[] = [];
  const elements = manifest.modules
    .flatMap((m) => (m.declarations ?? []).map((d) => ({ d, path: m.path })))
    .filter(({ d }) => d.tagName && d.customElement);
  if (!elements.length) throw new Error('custom-elements.json declares no custom element; run npm run manifest');
  // In the order of package.json `exports` (service health, messages, settings), not the manifest's.
  const keys = Object.keys(pkg.exports);
  const rank = (path: string) => {
    const i = keys.indexOf(`./${(importPath(path, pkg) ?? '').slice(pkg.name.length).replace(/^\//, '')}`);
    return i < 0 ? keys.length : i;
  };
  elements.sort((a, b) => rank(a.path) - rank(b.path));
  for (const { d, path } of elements) sections.push(elementSection(d, path, pkg));

  const light = themeTokens(readFileSync(join(ROOT, 'widgets/themes/light.css'), 'utf8'));
  const dark = themeTokens(readFileSync(join(ROOT, 'widgets/themes/dark.css'), 'utf8'));
  const names = [...new Set([...light.keys(), ...dark.keys()])];
  sections.push(
    [
      '### Page tokens',
      '',
      'The first tier of custom properties, read by every element (the per-element properties above default to them).',
      '`/widgets/light.css` and `/widgets/dark.css` set them on `:root` (and on `.o365-theme-light` / `.o365-theme-dark`);',
      'set any of them yourself to match your page.',
      '',
      table(
        ['token', 'light.css', 'dark.css'],
        names.map((n) => [code(n), code(light.get(n)), code(dark.get(n))]),
      ),
      '',
    ].join('\n'),
  );
  return [
    START,
    '<!-- Generated by `npm run docs` (scripts/docs-from-manifest.ts) from widgets/custom-elements.json, widgets/themes/*.css and widgets/package.json. Edit the widgets\' class JSDoc, run `npm run manifest`, then `npm run docs`. -->',
    '',
    sections.join('\n'),
    END,
  ].join('\n');
}

function main(): number {
  const check = process.argv.includes('--check');
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) {
    console.error(`docs: README.md has no ${START} … ${END} region.`);
    return 1;
  }
  const next = readme.slice(0, start) + generate() + readme.slice(end + END.length);
  if (next === readme) {
    console.log('docs: README.md element reference is up to date with custom-elements.json.');
    return 0;
  }
  if (check) {
    const a = readme.slice(start).split('\n');
    const b = next.slice(start).split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    const at = readme.slice(0, start).split('\n').length + line;
    console.error(
      `docs: README.md is out of date with custom-elements.json (first difference at README.md:${at}).\n` +
        `  README:    ${a[line] ?? '(end)'}\n  generated: ${b[line] ?? '(end)'}\n` +
        'Run "npm run docs" (after "npm run manifest" when the widgets changed) and commit README.md.',
    );
    return 1;
  }
  writeFileSync(README, next);
  console.log('docs: README.md element reference rewritten from custom-elements.json.');
  return 0;
}

const status = main();
if (process.env.CI_REPORT_DIR) {
  mkdirSync(process.env.CI_REPORT_DIR, { recursive: true });
  writeFileSync(join(process.env.CI_REPORT_DIR, 'docs.json'), JSON.stringify({ passed: status ? 0 : 1, failed: status ? 1 : 0, skipped: 0 }));
}
process.exit(status);
