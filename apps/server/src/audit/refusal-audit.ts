import type { AuditLog } from './audit-log.ts';

/**
 * Audits refused authentications without letting anonymous clients flood the log: the first
 * `perWindow` refusals of each window are written one by one, the rest are counted and
 * written as one summary entry when the window closes. Every refusal is still accounted for.
 */
export class RefusalAudit {
  readonly #audit: AuditLog;
  readonly #perWindow: number;
  readonly #windowMs: number;
  #windowStart = 0;
  #written = 0;
  #suppressed = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(audit: AuditLog, options: { perWindow?: number; windowMs?: number } = {}) {
    this.#audit = audit;
    this.#perWindow = options.perWindow ?? 20;
    this.#windowMs = options.windowMs ?? 60_000;
  }

  record(code: string, via: 'api' | 'signaling'): void {
    const now = Date.now();
    if (now - this.#windowStart >= this.#windowMs) {
      this.flush();
      this.#windowStart = now;
      this.#written = 0;
    }
    if (this.#written < this.#perWindow) {
      this.#written++;
      this.#audit.record({
        type: 'authentication-refused',
        outcome: 'refused',
        detail: { code, via },
      });
      return;
    }
    const key = `${via}:${code}`;
    this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1);
    this.#timer ??= setTimeout(() => this.flush(), this.#windowMs - (now - this.#windowStart));
    this.#timer.unref();
  }

  /** Writes the summary of refusals beyond the per-window limit (also on shutdown). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [key, count] of this.#suppressed) {
      const [via = '', code = ''] = key.split(':');
      this.#audit.record({
        type: 'authentication-refused-summary',
        outcome: 'refused',
        detail: { code, via, count },
      });
    }
    this.#suppressed.clear();
  }
}
