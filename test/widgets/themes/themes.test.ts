import { expect, html } from '@open-wc/testing';
import '../../../widgets/service-health/service-health.js';
import '../../../widgets/service-messages/service-messages.js';
import '../../../widgets/service-uptime/service-uptime.js';
import type { O365ServiceHealth } from '../../../widgets/service-health/service-health.js';
import { mount, newSession, part } from '../support/helpers.js';

/** Adds a theme file of widgets/themes/ to the page, as a portal's <link rel="stylesheet"> would. */
async function theme(name: 'light' | 'dark'): Promise<HTMLStyleElement> {
  const style = Object.assign(document.createElement('style'), { textContent: await (await fetch(`/widgets/themes/${name}.css`)).text() });
  document.head.append(style);
  return style;
}

describe('themes (widgets/themes/*.css)', () => {
  const added: HTMLElement[] = [];
  afterEach(() => {
    for (const el of added.splice(0)) el.remove();
    document.documentElement.style.colorScheme = '';
  });

  it('dark.css darkens the widgets, not the page around them', async () => {
    const root = getComputedStyle(document.documentElement);
    const before = { scheme: root.colorScheme, background: getComputedStyle(document.body).backgroundColor, color: getComputedStyle(document.body).color };
    added.push(await theme('dark'));
    const s = newSession();
    const { el } = await mount<O365ServiceHealth>(html`<o365-service-health api-base=${s.apiBase} api-key="admin"></o365-service-health>`);
    const base = await part(el, 'base');
    expect({ scheme: root.colorScheme, background: getComputedStyle(document.body).backgroundColor, color: getComputedStyle(document.body).color }).to.deep.equal(before);
    expect(getComputedStyle(el).colorScheme, 'the widget').to.equal('dark');
    expect(getComputedStyle(base).backgroundColor).to.equal('rgb(31, 31, 31)');
    await expect(el).to.be.accessible();
  });

  it('dark.css: the uptime bars, legend and texts stay accessible on the dark surface', async () => {
    added.push(await theme('dark'));
    const s = newSession();
    const { el } = await mount(html`<o365-service-uptime api-base=${s.apiBase} api-key="admin" locale="en-GB" time-zone="UTC"></o365-service-uptime>`);
    await part(el, 'list');
    expect(getComputedStyle((await part(el, 'base'))).backgroundColor).to.equal('rgb(31, 31, 31)');
    expect(getComputedStyle(el.shadowRoot!.querySelector('[part~="day-operational"]')!).backgroundColor).to.equal('rgb(84, 176, 84)');
    await expect(el).to.be.accessible();
  });

  it('keeps a page’s own color-scheme, and scopes a theme with its class', async () => {
    document.documentElement.style.colorScheme = 'light';
    added.push(await theme('light'), await theme('dark'));
    const light = document.createElement('style');
    light.textContent = ':root { --o365-color-scheme: light; }'; // light.css after dark.css, as a page following the system would
    added.push(light);
    document.head.append(light);
    const s = newSession();
    const { wrapper } = await mount(html`
      <o365-service-health api-base=${s.apiBase} api-key="admin"></o365-service-health>
      <div class="o365-theme-dark"><o365-service-health api-base=${s.apiBase} api-key="admin"></o365-service-health></div>
    `);
    const [outside, inside] = [wrapper.children[0] as HTMLElement, wrapper.querySelector('.o365-theme-dark > *') as HTMLElement];
    await part(inside, 'base');
    expect(getComputedStyle(document.documentElement).colorScheme).to.equal('light');
    expect(getComputedStyle(outside).colorScheme).to.equal('light');
    expect(getComputedStyle(inside).colorScheme).to.equal('dark');
  });

  it('puts a gap between widgets stacked one after another', async () => {
    added.push(await theme('light'));
    const s = newSession();
    const { wrapper } = await mount(html`
      <o365-service-health api-base=${s.apiBase} api-key="admin"></o365-service-health>
      <o365-service-messages api-base=${s.apiBase} api-key="admin"></o365-service-messages>
      <o365-service-uptime api-base=${s.apiBase} api-key="admin"></o365-service-uptime>
    `);
    const [first, second, third] = [...wrapper.children] as HTMLElement[];
    await part(first!, 'list');
    await part(second!, 'list');
    await part(third!, 'list');
    expect(second!.getBoundingClientRect().top - first!.getBoundingClientRect().bottom).to.equal(16);
    expect(third!.getBoundingClientRect().top - second!.getBoundingClientRect().bottom).to.equal(16);
    expect(first!.getBoundingClientRect().top, 'no gap above the first one').to.equal(wrapper.getBoundingClientRect().top);
  });
});
