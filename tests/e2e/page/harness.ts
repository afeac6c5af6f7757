/**
 * The test page's script: one SkjermClient per page, driven by Playwright through
 * `window.harness`. It renders every remote track the way an app would (a <video>, an
 * <audio>) and measures what a person would notice: decoded video size, frames advancing,
 * sound level.
 */
import { type JoinTarget, type RemoteTrack, SkjermClient } from '@skjerm/client';

interface RemoteView {
  readonly participantId: string;
  readonly kind: 'audio' | 'video';
  readonly element: HTMLVideoElement | HTMLAudioElement;
  frames: number;
  analyser?: AnalyserNode;
  ended: boolean;
}

let client: SkjermClient | undefined;
const views: RemoteView[] = [];
const waiting: { waitingId: string; name: string }[] = [];
const errors: string[] = [];
const keyChanges: { kid: number; reason: string; at: number }[] = [];
let mediaResets = 0;
const connectionEvents: string[] = [];
const sockets: WebSocket[] = [];
let audioContext: AudioContext | undefined;

const byId = (id: string) => document.getElementById(id) as HTMLElement;

function render(remote: RemoteTrack): void {
  const stream = new MediaStream([remote.track]);
  const element = document.createElement(remote.kind === 'video' ? 'video' : 'audio');
  element.autoplay = true;
  element.muted = true;
  (element as HTMLVideoElement).playsInline = true;
  element.srcObject = stream;
  element.dataset.participant = remote.participantId;
  byId('remote').append(element);
  const view: RemoteView = {
    participantId: remote.participantId,
    kind: remote.kind,
    element,
    frames: 0,
    ended: false,
  };
  if (element instanceof HTMLVideoElement) {
    const count = () => {
      view.frames += 1;
      if (!view.ended) element.requestVideoFrameCallback(count);
    };
    element.requestVideoFrameCallback(count);
  } else {
    // Chrome only feeds a remote track into WebAudio while a media element plays it (above).
    audioContext ??= new AudioContext();
    const analyser = audioContext.createAnalyser();
    analyser.fftSize = 2048;
    audioContext.createMediaStreamSource(stream).connect(analyser);
    view.analyser = analyser;
  }
  views.push(view);
  void element.play().catch(() => undefined);
}

function rms(analyser: AnalyserNode): number {
  const samples = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(samples);
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / samples.length);
}

const harness = {
  async start(options: { url: string; token: string; target: JoinTarget }) {
    client = new SkjermClient({
      url: options.url,
      e2eeWorkerUrl: '/e2ee-worker.js',
      createSocket: (url) => {
        const socket = new WebSocket(url);
        sockets.push(socket);
        return socket;
      },
    });
    client.on('statechange', (state) => {
      byId('state').textContent = state;
    });
    client.on('safetycode', (code) => {
      byId('safety-code').textContent = code;
    });
    client.on('waitinglist', (list) => {
      waiting.splice(
        0,
        waiting.length,
        ...list.map(({ waitingId, name }) => ({ waitingId, name })),
      );
    });
    client.on('senderkey', ({ kid, reason }) => {
      keyChanges.push({ kid: Number(kid), reason, at: Date.now() });
    });
    client.on('mediareset', () => {
      mediaResets += 1;
    });
    client.on('reconnecting', () => connectionEvents.push('reconnecting'));
    client.on('reconnected', () => connectionEvents.push('reconnected'));
    client.on('left', (reason) => connectionEvents.push(`left: ${reason}`));
    client.on('track', render);
    client.on('trackended', (remote) => {
      for (const view of views) {
        if ((view.element.srcObject as MediaStream).getTracks()[0] === remote.track) {
          view.ended = true;
          view.element.remove();
        }
      }
    });
    for (const event of ['error', 'e2eeerror'] as const) {
      client.on(event, (error) => errors.push(`${event}: ${error.code}: ${error.message}`));
    }
    await client.connect(options.token);
    const joined = await client.join(options.target);
    return { participantId: joined.participantId, senderSlot: joined.senderSlot };
  },

  /** Hosts: admits the first waiting invitee called `name`, waiting up to `timeoutMs`. */
  async admit(name: string, timeoutMs = 10_000) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const entry = waiting.find((w) => w.name === name);
      if (entry) return required(client).admit(entry.waitingId);
      if (performance.now() > deadline)
        throw new Error(`${name} did not appear in the waiting room`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  },

  /** Fake camera (640x480) and microphone, both published through the E2EE transform. */
  async publishCameraAndMicrophone() {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 640, height: 480, frameRate: 15 },
    });
    const [video] = stream.getVideoTracks();
    const [audio] = stream.getAudioTracks();
    if (!video || !audio) throw new Error('no fake devices');
    // A consultation needs detail (a rash, a wound) more than motion.
    video.contentHint = 'detail';
    const local = document.createElement('video');
    local.muted = true;
    local.autoplay = true;
    local.srcObject = new MediaStream([video]);
    byId('local').append(local);
    await required(client).publish(video);
    await required(client).publish(audio);
    const { width, height } = video.getSettings();
    return { width, height };
  },

  /** What this page shows of `participantId`: decoded size, frames over `ms`, peak level. */
  async remoteMedia(participantId: string, ms = 1000) {
    const mine = views.filter((v) => v.participantId === participantId && !v.ended);
    const video = mine.find((v) => v.kind === 'video');
    const audio = mine.find((v) => v.kind === 'audio');
    const framesBefore = video?.frames ?? 0;
    let peak = 0;
    const until = performance.now() + ms;
    while (performance.now() < until) {
      if (audio?.analyser) peak = Math.max(peak, rms(audio.analyser));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const element = video?.element as HTMLVideoElement | undefined;
    return {
      hasVideo: video !== undefined,
      hasAudio: audio !== undefined,
      videoWidth: element?.videoWidth ?? 0,
      videoHeight: element?.videoHeight ?? 0,
      framesAdvanced: (video?.frames ?? 0) - framesBefore,
      totalVideoFrames: element?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
      audioLevel: peak,
    };
  },

  async stats() {
    const stats = await required(client).getStats();
    return {
      framesEncrypted: stats.e2ee.framesEncrypted,
      framesDecrypted: stats.e2ee.framesDecrypted,
      framesDropped: stats.e2ee.framesDropped,
      sendKid: stats.e2ee.sendKid === null ? null : Number(stats.e2ee.sendKid),
      outbound: stats.outbound,
      inbound: stats.inbound,
    };
  },

  senderKid(): number | null {
    const kid = client?.senderKid;
    return kid === undefined ? null : Number(kid);
  },

  /** Every change of our sender key, with its wall-clock time. */
  keyChanges() {
    return [...keyChanges];
  },

  safetyCode(): string | null {
    return client?.safetyCode ?? null;
  },

  roster(): string[] {
    return (client?.roster ?? []).map((member) => member.participantId);
  },

  /** reconnecting / reconnected / left events, in order. */
  connectionEvents(): string[] {
    return [...connectionEvents];
  },

  /**
   * Ends the signaling connection the way a dropped network looks to the server: not with
   * 1000/1001 (a deliberate leave) but with another code (4000, application-defined).
   */
  dropConnection() {
    sockets.at(-1)?.close(4000, 'test: connection dropped');
  },

  state(): string {
    return client?.state ?? 'new';
  },

  mediaResets(): number {
    return mediaResets;
  },

  errors(): string[] {
    return [...errors];
  },

  async leave() {
    await required(client).leave();
  },
};

function required(value: SkjermClient | undefined): SkjermClient {
  if (!value) throw new Error('call harness.start first');
  return value;
}

declare global {
  interface Window {
    harness: typeof harness;
  }
}

window.harness = harness;
