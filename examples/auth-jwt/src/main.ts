import { serve } from '@fastts/core';
import { loadSettings } from '@fastts/settings';
import { createApp } from './app.js';
import { DEV_JWT_SECRET, Settings } from './settings.js';

let settings: Settings;
try {
  settings = loadSettings(Settings);
} catch (error) {
  // Every bad variable, named, before anything listens.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const app = createApp({ settings });
if (settings.jwtSecret === DEV_JWT_SECRET) {
  app.logger.warn({}, 'JWT_SECRET is not set: tokens are signed with the public development secret, so anyone can forge them. Set JWT_SECRET (openssl rand -hex 32) before deploying.');
}
await serve(app, { port: settings.port });
