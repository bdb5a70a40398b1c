#!/usr/bin/env node
// fastts <command>: dev, run, worker (see `fastts --help`). Plain JavaScript,
// so node runs it as it is, from the workspace and the published package.
//
// Exit codes: the app's own for `run`; 0 after Ctrl-C for `dev`; 1 when
// something could not start; 2 wrong arguments.
import { main } from '../dist/main.js';

// exit() rather than waiting for the event loop: a fetch or timer left by a stopped app must not hold the shell.
process.exit(await main(process.argv.slice(2)));
