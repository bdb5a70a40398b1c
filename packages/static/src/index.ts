/**
 * @module
 * Static files for fastts apps, served by `send` from a node:http handler
 * that `app.mount` (or any node:http server) takes.
 */
export { staticFiles, type StaticFilesHandler, type StaticFilesOptions } from './static-files.js';
