export { ConfigError, configSchema, loadConfig, type ServerConfig } from './config/config.ts';
export { createLogger, redactedPaths } from './logging/logger.ts';
export { routerMediaCodecs } from './media/codecs.ts';
export { type MediaWorker, WorkerPool, type WorkerPoolEvents } from './media/worker-pool.ts';
export { SkjermServer } from './server.ts';
