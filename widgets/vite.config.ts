import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/** This package's folder: the build works from the repository root and from `widgets/` alike. */
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Shrinks the CSS inside `css\`…\`` templates of the widget sources (comments, whitespace),
 * and the indentation inside every template literal of the bundle: Lit ships templates as
 * written, and the 20 KB gzip budget of the bundle (issue 4) counts every byte.
 * Safe for our sources: no template relies on significant whitespace (post HTML is data).
 */
function minifyTemplates(): Plugin {
  const minifyCss = (text: string) =>
    text
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\s+/g, ' ')
      .replace(/\s*([{};,>])\s*/g, '$1')
      .replace(/:\s+/g, ':')
      .replace(/;}/g, '}')
      .trim();
  return {
    name: 'o365-minify-templates',
    enforce: 'pre',
    transform(code, id) {
      if (!/\/widgets\/.*\.ts$/.test(id)) return null;
      // css`` templates in widgets/ hold no nested template literals, only `${…}` holes.
      return { code: code.replace(/\bcss`([^`]*)`/g, (_m, body: string) => `css\`${minifyCss(body)}\``), map: null };
    },
    renderChunk(code) {
      // After minification, newlines only remain inside template literals.
      return { code: code.replace(/\n[ \t]+/g, '\n'), map: null };
    },
  };
}

/**
 * Library build of the widgets: one self-registering ES module with Lit bundled and minified,
 * `widgets/dist/o365-health.js`, which the server serves at `/widgets/o365-health.js` and the
 * package exports as `@o365-health/widgets/bundle`.
 * Legacy decorators (TOOLCHAIN.md §4: oxc leaves standard decorators unlowered) come from
 * widgets/tsconfig.json, the tsconfig nearest to the sources, which extends tsconfig.widgets.json.
 */
export default defineConfig({
  // The bundle must not carry Lit's dev-mode code.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  plugins: [minifyTemplates()],
  publicDir: here('themes'),
  build: {
    target: 'es2022',
    outDir: here('dist'),
    emptyOutDir: true,
    // The theme files are served next to the bundle: /widgets/light.css, /widgets/dark.css.
    copyPublicDir: true,
    reportCompressedSize: true,
    // Vite keeps es-format library output readable (codegen off); this is a script-tag bundle, so minify fully.
    rolldownOptions: { output: { minify: true, comments: { annotation: false, jsdoc: false, legal: false } } },
    lib: {
      entry: here('index.ts'),
      formats: ['es'],
      fileName: () => 'o365-health.js',
    },
  },
});
