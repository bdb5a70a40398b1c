import { register } from 'node:module';

/** The loader hooks this module registers: SWC for .ts files, `./x.js` found as `./x.ts`. */
export const hooksUrl = new URL('./hooks.js', import.meta.url);

// `node --import @fastts/cli/register src/main.ts`: what `fastts dev` and
// `fastts run` start a TypeScript app with. module.register() needs Node 20.6.
register(hooksUrl);
