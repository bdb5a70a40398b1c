import { serve } from '@fastts/core';
import { createApp } from './app.js';

await serve(createApp());
