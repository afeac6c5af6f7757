import type { types } from 'mediasoup-client';

export type MediaKind = 'audio' | 'video';

/** Who muted a local track: the participant (setMuted), or a host (the mute request). */
export type MuteSource = 'self' | 'host';

/** SFrame's frame layout is per codec; only these two are known (see @skjerm/sframe). */
export const CODEC_OF_KIND = { audio: 'opus', video: 'vp8' } as const;
export const MIME_OF_KIND = { audio: 'audio/opus', video: 'video/vp8' } as const;

/** A camera or microphone track this client sends, encrypted. */
export interface LocalTrack {
  readonly kind: MediaKind;
  readonly track: MediaStreamTrack;
  /** The server's producer id; it changes when media is re-produced after a reset. */
  readonly producerId: string | undefined;
  /**
   * Paused: the track is disabled (nothing meaningful is encoded, the camera light may go out)
   * and the server forwards nothing. Survives a media reset.
   */
  readonly muted: boolean;
}

/** Another participant's track, decrypted by the E2EE worker before it reaches the decoder. */
export interface RemoteTrack {
  readonly consumerId: string;
  readonly producerId: string;
  readonly participantId: string;
  readonly kind: MediaKind;
  readonly track: MediaStreamTrack;
}

/** A published track and its current producer (none between a media reset and re-producing). */
export class Published implements LocalTrack {
  readonly kind: MediaKind;
  track: MediaStreamTrack;
  producer: types.Producer | undefined;
  muted = false;

  constructor(track: MediaStreamTrack) {
    this.kind = track.kind === 'audio' ? 'audio' : 'video';
    this.track = track;
  }

  get producerId(): string | undefined {
    return this.producer?.id;
  }
}
