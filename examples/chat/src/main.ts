import { serve } from '@fastts/core';
import { loadSettings } from '@fastts/settings';
import { createApp } from './app.js';
import { Settings } from './settings.js';

let settings: Settings;
try {
  settings = loadSettings(Settings);
} catch (error) {
  // Every bad variable, named, before anything listens.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
await serve(createApp({ sendTimeoutMs: settings.sendTimeoutMs }), { port: settings.port });
