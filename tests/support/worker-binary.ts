import { existsSync } from 'node:fs';

/**
 * The mediasoup worker these tests run is the one the bootstrap built against Debian's
 * libraries; without it mediasoup would look for a binary that was never built.
 */
export function requireWorkerBinary(): string {
  const binary = process.env.MEDIASOUP_WORKER_BIN;
  if (!binary || !existsSync(binary)) {
    throw new Error(
      'MEDIASOUP_WORKER_BIN does not name a built mediasoup worker: run the tests with `npm test`, which builds it',
    );
  }
  return binary;
}
