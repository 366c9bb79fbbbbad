/**
 * Renders an o365-health element from story args, driven by custom-elements.json:
 * attribute args become attributes, `--o365-*` args inline custom properties, and every event
 * of the element is sent to the Actions panel (the `on…` args Storybook derives from the manifest).
 */
import type { ArgTypes, Args, StoryContext } from '@storybook/web-components-vite';
import manifest from '../../widgets/custom-elements.json';
import { apiBase, STORY_API_KEY, type Scenario } from './mock-api.js';

interface Member {
  kind: string;
  name: string;
  attribute?: string;
  static?: boolean;
  privacy?: string;
}
interface Declaration {
  tagName?: string;
  attributes?: { name: string; fieldName?: string }[];
  members?: Member[];
  events?: { name: string }[];
  cssProperties?: { name: string }[];
}

/** The manifest declaration of a custom element. */
export function declaration(tag: string): Declaration {
  for (const mod of (manifest as { modules: { declarations?: Declaration[] }[] }).modules)
    for (const d of mod.declarations ?? []) if (d.tagName === tag) return d;
  throw new Error(`<${tag}> is not in custom-elements.json; run npm run manifest`);
}

/** The `on…` arg name Storybook gives an event (`o365-load` → `onO365Load`). */
const eventArg = (name: string) => `on${name.replace(/(?:-|_|:|\.|\s)+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase())}`;

/**
 * argTypes on top of what Storybook reads from the manifest: properties that have an attribute are
 * set through the attribute (so each appears once in Controls), enum-like attributes get a select,
 * and the element's custom properties get a control.
 */
export function argTypesFor(tag: string, selects: Record<string, readonly string[]> = {}): Partial<ArgTypes> {
  const d = declaration(tag);
  const out: Partial<ArgTypes> = {};
  for (const m of d.members ?? []) if (m.kind === 'field' && m.attribute && m.attribute !== m.name) out[m.name] = { table: { disable: true } };
  for (const [name, options] of Object.entries(selects)) out[name] = { control: 'select', options };
  for (const p of d.cssProperties ?? []) out[p.name] = { control: /color|background/.test(p.name) ? 'color' : 'text' };
  return out;
}

/** Args every story starts from: a fake API base, a key, and a fixed locale and time zone. */
export function baseArgs(scenario: Scenario): Args {
  return { 'api-base': apiBase(scenario), 'api-key': STORY_API_KEY, locale: 'en-GB', 'time-zone': 'UTC' };
}

/**
 * Story parameters read by the render function and by scripts/check-stories.ts:
 * `expectPart`, the shadow part that proves the story reached its state; `width`, the tile width.
 */
export interface O365StoryParameters {
  expectPart: string;
  width?: number;
}

/** The render function of every story: a frame of the story's width with the element inside. */
/** Story parameters naming the shadow part the stories check waits for (and the tile width). */
export const expectPart = (part: string, width?: number) => ({ o365: { expectPart: part, width } satisfies O365StoryParameters });

export function renderElement(tag: string) {
  return (args: Args, context: StoryContext): HTMLElement => {
    const d = declaration(tag);
    const attributes = new Set((d.attributes ?? []).map((a) => a.name));
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(args)) {
      if (attributes.has(name)) {
        if (value === true) el.setAttribute(name, '');
        else if (value !== false && value !== undefined && value !== null && value !== '') el.setAttribute(name, String(value));
      } else if (name.startsWith('--') && value) {
        el.style.setProperty(name, String(value));
      }
    }
    for (const { name } of d.events ?? []) {
      const handler = args[eventArg(name)];
      if (typeof handler === 'function') el.addEventListener(name, (e) => handler((e as CustomEvent).detail));
    }
    const { expectPart, width } = (context.parameters.o365 ?? {}) as Partial<O365StoryParameters>;
    const frame = document.createElement('div');
    frame.className = 'story-frame';
    if (width) frame.style.width = `${width}px`;
    if (expectPart) frame.dataset.expectPart = expectPart;
    frame.dataset.tag = tag;
    frame.dataset.storyId = context.id;
    frame.append(el);
    return frame;
  };
}

/** Waits until the element in `canvas` shows `selector` in its shadow root (for play functions). */
export async function shadowQuery(canvas: HTMLElement, tag: string, selector: string, timeout = 5000): Promise<HTMLElement> {
  const started = performance.now();
  for (;;) {
    const found = canvas.querySelector(tag)?.shadowRoot?.querySelector<HTMLElement>(selector);
    if (found) return found;
    if (performance.now() - started > timeout) throw new Error(`<${tag}> never showed ${selector}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
