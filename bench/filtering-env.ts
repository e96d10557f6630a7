/** Imported first by bench/filtering.ts: the handlers' logger and stores read these when loaded. */
process.env.REDIS_PREFIX = `bench:filtering:${process.pid}:`;
process.env.LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
