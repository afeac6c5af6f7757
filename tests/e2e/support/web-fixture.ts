/**
 * Playwright fixtures for tests of the web app as people meet it: a Skjerm server on
 * 127.0.0.1 serving the app (built with test hooks, into a temporary directory), the embedded
 * IdP for sign-in, and a test-only frame tap that keeps what the server forwarded.
 *
 * - `web` (one per worker): the server, its URL, booking through the REST API, tapped frames.
 * - `person(id)`: a new browser context (its own cookies and storage, like another device)
 *   whose getUserMedia is watched, so a test can tell that camera and microphone were released.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, test as base, expect, type Page } from '@playwright/test';
import type { BookingRequest, BookingResponse } from '@skjerm/protocol';
import type { SkjermServer } from '@skjerm/server';
import { buildWebApp } from '@skjerm/web/build';
import type { TappedFrame } from '../../../apps/server/src/media/frame-tap.ts';
import { requireWorkerBinary } from '../../support/worker-binary.ts';
import { startLoopbackServer } from './loopback-server.ts';
import { serverAccess } from './server-access.ts';

/** The embedded IdP's people these tests use (apps/server/src/auth/test-people.ts). */
export const cast = {
  gp: { id: 'kari-nordmann', name: 'Dr. Kari Nordmann' },
  specialist: { id: 'ola-hansen', name: 'Dr. Ola Hansen' },
  interpreter: { id: 'amira-haddad', name: 'Amira Haddad' },
  patient: { id: 'ingrid-berg', name: 'Ingrid Berg', nationalId: '21869030039' },
  patient2: { id: 'lars-johansen', name: 'Lars Johansen', nationalId: '45898515005' },
  patient3: { id: 'tolvan-tolvansson', name: 'Tolvan Tolvansson', nationalId: '191212121212' },
  patient4: { id: 'nora-dahl', name: 'Nora Dahl', nationalId: '03858997150' },
} as const;

export type CastMember = (typeof cast)[keyof typeof cast];

/** Frames the tap keeps at most (a few seconds of a small call). */
const MAX_TAPPED_FRAMES = 20_000;

export interface WebEnvironment {
  readonly server: SkjermServer;
  /** https://127.0.0.1:<port> */
  readonly url: string;
  token(personId: string): Promise<string>;
  book(clinicianId: string, request: Partial<BookingRequest>): Promise<BookingResponse>;
  /** Frames forwarded since the last clear (test-only tap). */
  readonly tapped: TappedFrame[];
}

export interface PersonOptions {
  /** Browser language; English unless a test says otherwise. */
  readonly locale?: string;
  readonly viewport?: { width: number; height: number };
  /** Runs in the page before the app (e.g. to take encoded transforms away). */
  readonly initScript?: () => void;
}

async function startWeb(): Promise<{ env: WebEnvironment; stop: () => Promise<void> }> {
  requireWorkerBinary();
  const webDir = mkdtempSync(join(tmpdir(), 'skjerm-web-'));
  await buildWebApp({ outdir: webDir, testHooks: true, minify: false });
  const tapped: TappedFrame[] = [];
  const { server, stop: stopServer } = await startLoopbackServer({
    mediaPort: 49000 + (process.pid % 500) * 2,
    dependencies: {
      webDir,
      frameTap: (frame) => {
        if (tapped.length < MAX_TAPPED_FRAMES) tapped.push(frame);
      },
    },
  });
  const access = serverAccess(server.url);
  const env: WebEnvironment = {
    server,
    url: server.url,
    tapped,
    token: (personId) => access.token(personId),
    book: (clinicianId, request) =>
      access.book(clinicianId, {
        patients: [{ name: cast.patient.name, nationalId: cast.patient.nationalId }],
        ...request,
      }),
  };
  return {
    env,
    async stop() {
      await access.close();
      await stopServer();
      rmSync(webDir, { recursive: true, force: true });
    },
  };
}

/** Keeps every track getUserMedia handed out, so a test can see whether each was stopped. */
function watchDevices() {
  const opened: MediaStreamTrack[] = [];
  (window as unknown as { __openedTracks: MediaStreamTrack[] }).__openedTracks = opened;
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    opened.push(...stream.getTracks());
    return stream;
  };
}

export const test = base.extend<
  { person: (options?: PersonOptions) => Promise<Page> },
  { web: WebEnvironment }
>({
  web: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a pattern.
    async ({}, use) => {
      const { env, stop } = await startWeb();
      await use(env);
      await stop();
    },
    { scope: 'worker', timeout: 120_000 },
  ],

  person: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (options = {}) => {
      const context = await browser.newContext({
        ignoreHTTPSErrors: true,
        locale: options.locale ?? 'en-GB',
        viewport: options.viewport ?? { width: 1280, height: 800 },
        permissions: ['camera', 'microphone', 'clipboard-read', 'clipboard-write'],
      });
      contexts.push(context);
      await context.addInitScript(watchDevices);
      if (options.initScript) await context.addInitScript(options.initScript);
      const page = await context.newPage();
      page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
      // Hosts confirm "end for everyone" and "remove" in the browser's own dialog.
      page.on('dialog', (dialog) => void dialog.accept());
      return page;
    });
    for (const context of contexts) await context.close();
  },
});

export { expect };

/** Signs in at the embedded IdP from the app's sign-in screen, as a person would. */
export async function signIn(page: Page, personId: string): Promise<void> {
  await page
    .getByRole('button', { name: /sign in with electronic id|logg inn med elektronisk id/i })
    .click();
  await page.locator(`button[name="person"][value="${personId}"]`).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/idp') && !url.searchParams.has('code'));
}

/** Tracks from getUserMedia still live (a lit camera light means one is). */
export function liveDeviceTracks(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    (window as unknown as { __openedTracks: MediaStreamTrack[] }).__openedTracks
      .filter((track) => track.readyState === 'live')
      .map((track) => track.kind),
  );
}

/** What a video tile of `participantId` shows: decoded size and frames over `ms`. */
export async function remoteVideo(page: Page, participantId: string, ms = 1000) {
  return page.evaluate(
    async ({ participantId, ms }) => {
      const video = document.querySelector<HTMLVideoElement>(
        `video[data-participant="${participantId}"]`,
      );
      if (!video) return { width: 0, height: 0, framesAdvanced: 0 };
      const before = video.getVideoPlaybackQuality().totalVideoFrames;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return {
        width: video.videoWidth,
        height: video.videoHeight,
        framesAdvanced: video.getVideoPlaybackQuality().totalVideoFrames - before,
      };
    },
    { participantId, ms },
  );
}

/** Peak sound level (RMS) of `participantId`'s <audio> over `ms`. */
export function remoteAudioLevel(page: Page, participantId: string, ms = 1000): Promise<number> {
  return page.evaluate(
    async ({ participantId, ms }) => {
      const audio = document.querySelector<HTMLAudioElement>(
        `audio[data-participant="${participantId}"]`,
      );
      const stream = audio?.srcObject;
      if (!(stream instanceof MediaStream)) return 0;
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 2048;
      context.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      let peak = 0;
      const until = performance.now() + ms;
      while (performance.now() < until) {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const sample of samples) sum += sample * sample;
        peak = Math.max(peak, Math.sqrt(sum / samples.length));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await context.close();
      return peak;
    },
    { participantId, ms },
  );
}

/** The participant ids on this page's roster. */
export function rosterIds(page: Page): Promise<string[]> {
  return page
    .locator('[data-roster]')
    .evaluateAll((items) => items.map((item) => item.getAttribute('data-roster') ?? ''));
}

/** Opens the encryption badge and reads the safety code shown; closes the dialog again. */
export async function readSafetyCode(page: Page): Promise<string> {
  await page.getByRole('button', { name: /end-to-end encrypted|ende-til-ende-kryptert/i }).click();
  const code = page.locator('[data-safety-code]');
  await expect(code).toBeVisible();
  const value = (await code.getAttribute('data-safety-code')) ?? '';
  await page
    .getByRole('dialog')
    .getByRole('button', { name: /^(close|lukk)$/i })
    .click();
  return value;
}
