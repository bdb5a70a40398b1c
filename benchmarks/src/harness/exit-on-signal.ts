// Preloaded (node --import) into servers run with --cpu-prof: node writes the
// profile only on a normal exit, and most targets let SIGTERM kill them.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
