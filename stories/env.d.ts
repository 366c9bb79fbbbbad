/// <reference types="vite/client" />
// Stories import the fixture JSON and the manifest (Vite turns JSON into modules);
// tsconfig.widgets.json has no resolveJsonModule, so JSON modules are typed loosely here.
declare module '*.json' {
  const value: any;
  export default value;
}
