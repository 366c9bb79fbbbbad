/**
 * Every story: controls and docs from custom-elements.json, the fake JSON API in the page, the
 * light theme's tokens, and the dark theme when the story (or the toolbar) asks for it.
 */
import { setCustomElementsManifest, type Decorator, type Preview } from '@storybook/web-components-vite';
import manifest from '../widgets/custom-elements.json';
import darkTheme from '../widgets/themes/dark.css?raw';
import '../widgets/themes/light.css';
import { installMockApi } from '../stories/support/mock-api.js';
import './preview.css';

setCustomElementsManifest(manifest);
installMockApi();

/** dark.css sets its tokens on :root, so it is added only while a dark story is shown. */
const withTheme: Decorator = (story, context) => {
  const dark = context.globals.theme === 'dark';
  let style = document.getElementById('o365-dark-theme');
  if (dark && !style) {
    style = Object.assign(document.createElement('style'), { id: 'o365-dark-theme', textContent: darkTheme });
    document.head.append(style);
  } else if (!dark) style?.remove();
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  return story();
};

const preview: Preview = {
  decorators: [withTheme],
  parameters: {
    layout: 'padded',
    controls: { expanded: true, sort: 'requiredFirst' },
    actions: { disable: false },
    backgrounds: {
      options: {
        light: { name: 'Light (portal page)', value: '#f3f4f6' },
        dark: { name: 'Dark (portal page)', value: '#121212' },
      },
    },
  },
  initialGlobals: { theme: 'light', backgrounds: { value: 'light' } },
  globalTypes: {
    theme: {
      description: 'o365-health theme (widgets/themes/light.css or dark.css)',
      toolbar: { title: 'Theme', icon: 'contrast', items: ['light', 'dark'], dynamicTitle: true },
    },
  },
};

export default preview;
