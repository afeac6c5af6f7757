/**
 * The camera and microphone this page opened. One owner, so "call ended" can promise that
 * both are released: every track is stopped, and the camera light goes out.
 */
export type DeviceProblem = 'denied' | 'missing' | 'busy' | 'failed';

export class DeviceError extends Error {
  override name = 'DeviceError';
  readonly problem: DeviceProblem;

  constructor(problem: DeviceProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

/** Small tiles in a group need less; detail matters more than motion in a consultation. */
export function captureConstraints(mode: 'consultation' | 'group'): MediaStreamConstraints {
  const video =
    mode === 'group'
      ? { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15 } }
      : { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15 } };
  return { audio: { echoCancellation: true, noiseSuppression: true }, video };
}

function deviceErrorOf(error: unknown): DeviceError {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return new DeviceError('denied', 'camera or microphone not allowed');
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return new DeviceError('missing', 'no camera or microphone');
  }
  if (name === 'NotReadableError' || name === 'AbortError') {
    return new DeviceError('busy', 'the camera or microphone is in use elsewhere');
  }
  return new DeviceError('failed', error instanceof Error ? error.message : String(error));
}

/** What a person is told when the devices did not open ('failed' reads as not found). */
export function deviceProblemOf(error: unknown): 'denied' | 'missing' | 'busy' {
  const problem = error instanceof DeviceError ? error.problem : 'failed';
  return problem === 'denied' || problem === 'busy' ? problem : 'missing';
}

export class LocalDevices {
  #stream: MediaStream | undefined;
  #released = false;

  get stream(): MediaStream | undefined {
    return this.#stream;
  }

  get audio(): MediaStreamTrack | undefined {
    return this.#stream?.getAudioTracks()[0];
  }

  get video(): MediaStreamTrack | undefined {
    return this.#stream?.getVideoTracks()[0];
  }

  async open(constraints: MediaStreamConstraints): Promise<MediaStream> {
    if (this.#stream) return this.#stream;
    if (this.#released) throw new DeviceError('failed', 'the devices were already released');
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (error) {
      const problem = deviceErrorOf(error);
      // No camera (or one in use elsewhere) should not keep anyone out: try the microphone.
      if (problem.problem === 'denied' || !constraints.video || !constraints.audio) throw problem;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: constraints.audio });
      } catch {
        throw problem;
      }
    }
    if (this.#released) {
      // Released while the permission prompt was open: do not keep what arrived late.
      for (const track of stream.getTracks()) track.stop();
      throw new DeviceError('failed', 'the devices were released');
    }
    const video = stream.getVideoTracks()[0];
    // A consultation needs detail (a rash, a wound) more than smooth motion.
    if (video) video.contentHint = 'detail';
    this.#stream = stream;
    return stream;
  }

  /**
   * Camera off for real: the track stops, so the camera's light goes out (a disabled track
   * keeps the device open). The stream object changes, so previews pick up the change.
   */
  stopVideo(): void {
    const stream = this.#stream;
    if (!stream) return;
    for (const track of stream.getVideoTracks()) track.stop();
    this.#stream = new MediaStream(stream.getAudioTracks());
  }

  /** Camera on again: a new video track, added to a new stream object. */
  async reopenVideo(video: MediaTrackConstraints | boolean): Promise<MediaStreamTrack> {
    if (this.#released) throw new DeviceError('failed', 'the devices were already released');
    let track: MediaStreamTrack | undefined;
    try {
      [track] = (await navigator.mediaDevices.getUserMedia({ video })).getVideoTracks();
    } catch (error) {
      throw deviceErrorOf(error);
    }
    if (!track) throw new DeviceError('missing', 'no camera');
    if (this.#released) {
      track.stop();
      throw new DeviceError('failed', 'the devices were released');
    }
    track.contentHint = 'detail';
    this.#stream = new MediaStream([...(this.#stream?.getAudioTracks() ?? []), track]);
    return track;
  }

  /** Stops every track. Idempotent; after it nothing can be opened again. */
  release(): void {
    this.#released = true;
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = undefined;
  }
}
