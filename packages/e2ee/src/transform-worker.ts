/**
 * Worker entry for Skjerm's end-to-end media encryption. Load it as a module worker:
 *
 *     new Worker(new URL('@skjerm/e2ee/transform-worker', import.meta.url), { type: 'module' })
 *
 * and attach it to senders and receivers with attachE2eeTransform (encoded-transform.ts).
 * All state lives in the E2eeWorker instance; this file only wires it to the worker scope.
 */
import { E2eeWorker, type ScriptTransformerLike } from './e2ee-worker.ts';
import type { E2eeWorkerReply } from './messages.ts';

interface TransformWorkerScope {
  postMessage(message: E2eeWorkerReply): void;
  onmessage: ((event: MessageEvent) => void) | null;
  onrtctransform?: ((event: { readonly transformer: ScriptTransformerLike }) => void) | null;
}

const scope = globalThis as unknown as TransformWorkerScope;
const worker = new E2eeWorker({ postMessage: (reply) => scope.postMessage(reply) });

scope.onmessage = (event) => {
  void worker.handleMessage(event.data);
};

// RTCRtpScriptTransform: one event per sender or receiver attached with this worker.
scope.onrtctransform = (event) => {
  worker.attachTransformer(event.transformer);
};
