import { isSFrameError } from '@skjerm/sframe';
import { isE2eeError } from './errors.ts';
import { DROP_REASONS, type DropReason } from './messages.ts';

/** Frame counters shared by the cryptors of one worker. Counts only; never frame contents. */
export class FrameStats {
  framesEncrypted = 0;
  framesDecrypted = 0;
  readonly framesDropped: Record<DropReason, number> = Object.fromEntries(
    DROP_REASONS.map((reason) => [reason, 0]),
  ) as Record<DropReason, number>;

  drop(reason: DropReason): void {
    this.framesDropped[reason] += 1;
  }

  snapshot(): FrameStatsSnapshot {
    return {
      framesEncrypted: this.framesEncrypted,
      framesDecrypted: this.framesDecrypted,
      framesDropped: { ...this.framesDropped },
    };
  }
}

export interface FrameStatsSnapshot {
  readonly framesEncrypted: number;
  readonly framesDecrypted: number;
  readonly framesDropped: Readonly<Record<DropReason, number>>;
}

/** Maps a failure to the reason a frame was dropped. */
export function dropReason(error: unknown): DropReason {
  if (isSFrameError(error)) {
    switch (error.code) {
      case 'unknown-kid':
      case 'authentication-failed':
      case 'replay':
      case 'unsupported-codec':
        return error.code;
      case 'malformed-header':
      case 'truncated':
      case 'malformed-frame':
        return 'malformed';
      default:
        return 'internal-error';
    }
  }
  if (isE2eeError(error, 'sender-mismatch')) return 'sender-mismatch';
  if (isE2eeError(error, 'key-pending')) return 'key-pending';
  return 'internal-error';
}
