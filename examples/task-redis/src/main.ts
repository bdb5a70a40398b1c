import { serve } from '@fastts/core';
import { createApp } from './app.js';

// PORT, HOST and WEB_CONCURRENCY (HTTP processes on this machine) are read by serve().
await serve(createApp());
