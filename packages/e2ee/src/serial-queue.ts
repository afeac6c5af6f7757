/**
 * Runs async tasks one after another in call order. Key changes must apply in the order they
 * were issued: a setSenderKey overtaken by an older one would leave the sender on a key the
 * remaining members are about to forget (or that a leaver still holds).
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    // A failed task must not block the ones after it; its caller sees the rejection.
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
