// Entry point of `npm start`: configuration from the environment, then the server, then wait
// for SIGTERM/SIGINT to shut down gracefully.
import { MediaNode } from './cluster/media-node.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { createLogger } from './logging/logger.ts';
import { SkjermServer } from './server.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`skjerm: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  // The media workers inherit this process's environment and parse untrusted network input:
  // once read, secrets leave it.
  delete process.env.SKJERM_TURN_SECRET;
  delete process.env.SKJERM_METRICS_TOKEN;
  delete process.env.SKJERM_CLUSTER_SECRET;
  delete process.env.SKJERM_REDIS_URL;
  const log = createLogger(config.logLevel).child(
    config.cluster ? { role: config.role, node: config.cluster.nodeId } : {},
  );
  const server =
    config.role === 'media'
      ? await MediaNode.start(config, log)
      : await SkjermServer.start(config, log);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'signal received');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `skjerm: cannot start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
