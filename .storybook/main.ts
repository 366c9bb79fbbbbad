/**
 * Storybook for the three o365-health elements (`npm run stories`, `npm run stories:build`).
 *
 * Offline by design (TOOLCHAIN.md §9): no telemetry, no "what's new" fetch, and the stories
 * answer the widgets' API calls from fixture JSON inside the page (stories/support/mock-api.ts),
 * so no server is needed. The builder is Vite 8 (oxc): the widget sources get legacy decorators
 * from widgets/tsconfig.json, the tsconfig nearest to them (TOOLCHAIN.md §4).
 *
 * The builder loads the widget package's vite.config.ts without its `build` block (the library
 * build of the bundle), keeping its `define` (Lit's production build) and the template minifier.
 */
import type { StorybookConfig } from '@storybook/web-components-vite';

process.env.STORYBOOK_DISABLE_TELEMETRY = '1';

const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.ts'],
  // The widget package's Vite config (widgets/vite.config.ts): Lit's production build and the
  // template minifier; its library `build` block does not apply to Storybook's build.
  framework: { name: '@storybook/web-components-vite', options: { builder: { viteConfigPath: 'widgets/vite.config.ts' } } },
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  // The theme files are public (vite.config.ts serves them next to the bundle); the stories
  // import them as CSS instead, so nothing needs copying into storybook-static.
  viteFinal: (vite) => ({ ...vite, publicDir: false }),
};

export default config;
