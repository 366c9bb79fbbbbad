// `npm run manifest` → widgets/custom-elements.json, from the class JSDoc of the widgets
// (@summary, @csspart, @cssprop, @fires, and one JSDoc line per property). Run in widgets/
// (the package the manifest ships in), so module paths are relative to the package.
export default {
  globs: ['**/*.ts'],
  exclude: ['scripts/**', 'dist/**', 'node_modules/**', '**/*.d.ts', 'vite.config.ts'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: true,
};
