// `npm run manifest` → custom-elements.json, from the class JSDoc of the widgets
// (@summary, @csspart, @cssprop, @fires, and one JSDoc line per property).
export default {
  globs: ['widgets/**/*.ts'],
  exclude: ['widgets/scripts/**', 'widgets/**/*.d.ts'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: true,
};
