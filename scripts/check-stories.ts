/// <reference lib="dom" />
// (Functions passed to page.evaluate/waitForFunction run in the page.)
/**
 * `npm run test:stories` (after `npm run stories:build`): opens every story of storybook-static in
 * Debian's Chromium and fails when one is broken.
 *
 * storybook-static is served on 127.0.0.1 and its iframe (`iframe.html?id=…&viewMode=story`, ids
 * from storybook-static/index.json) is opened in a few tabs, which then switch from story to story
 * as the Storybook UI does. A story fails when
 *   - the page throws, logs a console error, or Storybook reports an error (a render or play
 *     function that threw: error event or error display);
 *   - its element never shows the shadow part the story names in `parameters.o365.expectPart`
 *     (stories/support/element.ts), or renders nothing (no text, no size);
 *   - its content is wider than the tile it was given (`parameters.o365.width`);
 *   - a line break cuts a word in two (between two letters or digits of one text node; breaks at
 *     spaces, after "." or "-" and at `<wbr>` are fine);
 *   - the page asks for anything that is not on 127.0.0.1 (the stories must work offline).
 *
 * Writes `{ passed, failed, skipped }` to $CI_REPORT_DIR/stories.json when that is set (.ci/run).
 * Uses the Chromium at CHROME_PATH, else /usr/bin/chromium; never downloads one.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROME_ARGS, chromePath, NO_BROWSER_MESSAGE } from '../test/e2e/support/browser.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STATIC_DIR = resolve(process.env.STORYBOOK_STATIC_DIR ?? join(ROOT, 'storybook-static'));
/** Tabs open at once; two cores on CI. */
const CONCURRENCY = Number(process.env.STORIES_CONCURRENCY ?? 3);
/** Time one story may take to reach its state. */
const STORY_TIMEOUT_MS = 10_000;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

interface IndexEntry {
  id: string;
  title: string;
  name: string;
  type: 'story' | 'docs';
}

/** A static file server for storybook-static on 127.0.0.1 (a free port). */
async function serve(dir: string): Promise<{ server: Server; origin: string }> {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
      if (!file.startsWith(dir + sep) || !(await stat(file)).isFile()) throw new Error('not found');
      // Hashed assets are cached, so each tab parses (and code-caches) the preview bundle once.
      const cache = path.startsWith('/assets/') ? 'public, max-age=3600, immutable' : 'no-cache';
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cache });
      res.end(await readFile(file));
    } catch {
      // Chromium asks every new page for a favicon; storybook-static has none.
      if (req.url === '/favicon.ico') return void res.writeHead(204).end();
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

/** Storybook's preview events that mean a story broke (storybook/internal/core-events). */
const FAILURE_EVENTS = ['storyErrored', 'storyThrewException', 'playFunctionThrewException', 'storyMissing'];

interface Tab {
  page: Page;
  problems: string[];
  /** False until the tab has loaded iframe.html once. */
  loaded: boolean;
}

/** A tab that shows one story after another. */
async function openTab(context: BrowserContext): Promise<Tab> {
  const tab: Tab = { page: await context.newPage(), problems: [], loaded: false };
  const { page } = tab;
  page.on('pageerror', (err) => tab.problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') tab.problems.push(`console error: ${msg.text()} (${msg.location().url || 'no url'})`);
  });
  page.on('request', (req) => {
    const url = req.url();
    if (/^(data|blob|about):/.test(url)) return;
    if (new URL(url).hostname !== '127.0.0.1') tab.problems.push(`request left the machine: ${url}`);
  });
  await page.exposeFunction('__o365StoryFailure', (event: string, detail: string) => tab.problems.push(`Storybook ${event}: ${detail}`));
  return tab;
}

/**
 * Shows a story: the first one of a tab by loading its iframe URL, the next ones the way the
 * Storybook UI switches stories (a `setCurrentStory` message on the preview's channel), which
 * re-renders only the story instead of booting the preview again (about 1.5 s of CPU each).
 */
async function show(tab: Tab, origin: string, id: string): Promise<void> {
  if (!tab.loaded) {
    await tab.page.goto(`${origin}/iframe.html?id=${encodeURIComponent(id)}&viewMode=story`, { waitUntil: 'load' });
    await tab.page.evaluate((events) => {
      const channel = (window as unknown as { __STORYBOOK_ADDONS_CHANNEL__: { on(e: string, f: (x: unknown) => void): void } }).__STORYBOOK_ADDONS_CHANNEL__;
      const report = (window as unknown as { __o365StoryFailure: (e: string, d: string) => void }).__o365StoryFailure;
      for (const event of events)
        channel.on(event, (x) => {
          const d = x as { message?: string; title?: string; description?: string } | string;
          const text = typeof d === 'string' ? d : (d?.message ?? ([d?.title, d?.description].filter(Boolean).join(': ') || JSON.stringify(d)));
          (window as unknown as { __o365Failure: string }).__o365Failure = `${event}: ${text}`;
          report(event, text);
        });
    }, FAILURE_EVENTS);
    tab.loaded = true;
    return;
  }
  await tab.page.evaluate((storyId) => {
    const channel = (window as unknown as { __STORYBOOK_ADDONS_CHANNEL__: { emit(e: string, x: unknown): void } }).__STORYBOOK_ADDONS_CHANNEL__;
    (window as unknown as { __o365Failure: string | null }).__o365Failure = null;
    channel.emit('setCurrentStory', { storyId, viewMode: 'story' });
  }, id);
}

/** What went wrong in one story (empty when it passed). */
async function checkStory(tab: Tab, origin: string, entry: IndexEntry): Promise<string[]> {
  const problems: string[] = (tab.problems = []);
  const { page } = tab;
  try {
    // The error display of the previous story stays up until the next one renders, so it only
    // counts on a fresh page; after a switch, the channel's error events tell.
    const fresh = !tab.loaded;
    await show(tab, origin, entry.id);
    const handle = await page.waitForFunction(
      ({ id, fresh }) => {
        const failure = (window as unknown as { __o365Failure?: string | null }).__o365Failure;
        if (failure) return { error: `Storybook ${failure}` };
        if (fresh && document.body.classList.contains('sb-show-errordisplay')) {
          const text = document.querySelector('#error-message')?.textContent ?? 'error display shown';
          return { error: `Storybook error display: ${text.trim()}` };
        }
        // Storybook has finished this story: rendered, its play function done (its render's phase).
        const render = (window as unknown as { __STORYBOOK_PREVIEW__?: { currentRender?: { id?: string; phase?: string } } }).__STORYBOOK_PREVIEW__?.currentRender;
        if (render?.id !== id || render.phase !== 'finished') return false;
        const frame = document.querySelector<HTMLElement>('#storybook-root .story-frame');
        if (!frame || frame.dataset.storyId !== id) return false;
        const el = frame.querySelector(frame.dataset.tag ?? '*');
        const part = frame.dataset.expectPart;
        if (!el?.shadowRoot || !part || !el.shadowRoot.querySelector(`[part~="${part}"]`)) return false;
        return { error: null };
      },
      { id: entry.id, fresh },
      { timeout: STORY_TIMEOUT_MS, polling: 25 },
    );
    const outcome = (await handle.jsonValue()) as { error: string | null };
    if (outcome.error && !problems.includes(outcome.error)) problems.push(outcome.error);
    else {
      // Measure once Lit has no update pending (the play function has finished, see above).
      const shape = await page.evaluate(async () => {
        const frame = document.querySelector<HTMLElement>('#storybook-root .story-frame')!;
        const el = frame.querySelector<HTMLElement>(frame.dataset.tag!)!;
        while (!(await (el as HTMLElement & { updateComplete: Promise<boolean> }).updateComplete));
        const box = el.getBoundingClientRect();
        const cut: string[] = [];
        const walker = document.createTreeWalker(el.shadowRoot!, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        const word = /[\p{L}\p{N}]/u;
        for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
          let top: number | undefined;
          for (let i = 0; i < node.data.length; i++) {
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const r = range.getClientRects()[0];
            if (!r || !r.width) continue;
            if (top !== undefined && r.top > top + 2 && word.test(node.data[i - 1] ?? '') && word.test(node.data[i]!))
              cut.push(`${node.data.slice(Math.max(0, i - 12), i)}|${node.data.slice(i, i + 12)}`);
            top = r.top;
          }
        }
        return {
          cut,
          text: (el.shadowRoot!.textContent ?? '').replace(/\s+/g, ' ').trim().length,
          width: box.width,
          height: box.height,
          frameWidth: frame.style.width ? frame.clientWidth : null,
          scrollWidth: frame.scrollWidth,
          error: document.body.classList.contains('sb-show-errordisplay'),
        };
      });
      if (shape.error) problems.push('Storybook error display shown after render');
      if (shape.cut.length) problems.push(`words cut mid-word by a line break: ${shape.cut.join(', ')}`);
      if (!shape.text || shape.width < 1 || shape.height < 1) problems.push(`the element renders nothing (${shape.width}×${shape.height}, ${shape.text} characters)`);
      if (shape.frameWidth !== null && shape.scrollWidth > shape.frameWidth + 1)
        problems.push(`content overflows its ${shape.frameWidth} px tile (${shape.scrollWidth} px wide)`);
    }
  } catch (err) {
    const expected = await page
      .evaluate(() => document.querySelector<HTMLElement>('#storybook-root .story-frame')?.dataset.expectPart ?? '(no .story-frame rendered)')
      .catch(() => '?');
    problems.push(`did not reach its state (part "${expected}") within ${STORY_TIMEOUT_MS} ms: ${(err as Error).message.split('\n')[0]}`);
    // Start the next story from a clean page.
    tab.loaded = false;
  }
  const seen = [...problems];
  tab.problems = [];
  return seen;
}

async function main(): Promise<number> {
  const started = performance.now();
  const indexFile = join(STATIC_DIR, 'index.json');
  if (!existsSync(indexFile)) {
    console.error(`check-stories: ${indexFile} is missing; run "npm run stories:build" first.`);
    return 1;
  }
  if (!existsSync(chromePath)) {
    console.error(`check-stories: ${NO_BROWSER_MESSAGE}`);
    return 1;
  }
  const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { entries: Record<string, IndexEntry> };
  const stories = Object.values(index.entries).filter((e) => e.type === 'story');
  if (!stories.length) {
    console.error('check-stories: storybook-static/index.json lists no stories.');
    return 1;
  }

  const { server, origin } = await serve(STATIC_DIR);
  const browser = await chromium.launch({ executablePath: chromePath, headless: true, args: CHROME_ARGS });
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, reducedMotion: 'reduce', locale: 'en-GB', timezoneId: 'UTC' });
  const failures: { entry: IndexEntry; problems: string[] }[] = [];
  try {
    const queue = [...stories];
    const worker = async () => {
      const tab = await openTab(context);
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        const t0 = performance.now();
        let problems = await checkStory(tab, origin, entry);
        // A story that timed out gets one more try from a freshly loaded page, said in the output:
        // a state that is never reached fails twice, while a slow moment of the shared machine
        // (the stories run in parallel tabs) does not fail the run.
        let retried = false;
        if (problems.length && problems.every((p) => p.startsWith('did not reach its state'))) {
          console.log(`↻ ${entry.title} › ${entry.name}: ${problems[0]}; trying once more from a fresh page`);
          retried = true;
          problems = await checkStory(tab, origin, entry);
        }
        if (problems.length) failures.push({ entry, problems });
        console.log(`${problems.length ? '✗' : '✓'} ${entry.title} › ${entry.name} (${Math.round(performance.now() - t0)} ms${retried ? ', second try' : ''})`);
        for (const p of problems) console.log(`    ${p}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, stories.length) }, worker));
  } finally {
    await browser.close();
    server.close();
  }

  const passed = stories.length - failures.length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\nstories: ${passed} passed, ${failures.length} failed (${seconds} s)`);
  if (process.env.CI_REPORT_DIR) {
    mkdirSync(process.env.CI_REPORT_DIR, { recursive: true });
    writeFileSync(join(process.env.CI_REPORT_DIR, 'stories.json'), JSON.stringify({ passed, failed: failures.length, skipped: 0 }));
  }
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('check-stories:', err);
    process.exit(1);
  },
);
