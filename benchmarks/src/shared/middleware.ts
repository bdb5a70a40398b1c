/**
 * The front-end origin that the middleware targets (fastify-mw, fastts-mw)
 * allow through CORS with credentials, and that the hello-mw scenario sends.
 */
export const FRONT_ORIGIN = 'http://front.example';

/**
 * Smallest body compressed, in bytes: Starlette's GZipMiddleware default, which
 * fastts's gzip() keeps; @fastify/compress (default 1024) is given the same.
 * GET /hello's 19 bytes stay below it, so the scenario measures what a
 * registered CORS + GZip pair costs a small answer, not zlib.
 */
export const GZIP_MINIMUM = 500;
