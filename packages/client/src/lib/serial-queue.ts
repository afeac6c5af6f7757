/**
 * Runs async tasks one after another in call order (mediasoup-client's AwaitQueue in
 * miniature): a roster and the envelope after it, or a produce and a KID announcement, never
 * interleave. A failed task does not block the ones after it; its caller sees the rejection.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
