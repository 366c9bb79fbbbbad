import { defineConfig } from 'vite';

/**
 * Library build of the widgets: one self-registering ES module with Lit bundled and minified,
 * `dist/widgets/o365-health.js`, which the server serves at `/widgets/o365-health.js`.
 * Legacy decorators come from tsconfig.widgets.json (TOOLCHAIN.md §4: oxc leaves standard
 * decorators unlowered).
 */
export default defineConfig({
  // The bundle must not carry Lit's dev-mode code.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    target: 'es2022',
    outDir: 'dist/widgets',
    emptyOutDir: true,
    minify: 'oxc',
    copyPublicDir: false,
    reportCompressedSize: true,
    // Vite keeps es-format library output readable (codegen off); this is a script-tag bundle, so minify fully.
    rolldownOptions: { output: { minify: true, comments: { annotation: false, jsdoc: false, legal: false } } },
    lib: {
      entry: 'widgets/index.ts',
      formats: ['es'],
      fileName: () => 'o365-health.js',
    },
  },
  oxc: { decorator: { legacy: true } } as never,
});
