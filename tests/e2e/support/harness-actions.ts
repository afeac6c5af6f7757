/** What the SDK browser tests do and measure through the test page's harness (page/harness.ts). */
import { expect } from '@playwright/test';
import type { Participant } from './skjerm-fixture.ts';

type Page = Participant['page'];

/** Polls what `viewer` shows of `participantId` until video plays at `size` with sound. */
export async function expectMediaFrom(
  viewer: Page,
  participantId: string,
  size: { width: number; height: number },
) {
  let last: Awaited<ReturnType<typeof remoteMedia>> | undefined;
  await expect
    .poll(
      async () => {
        last = await remoteMedia(viewer, participantId);
        return (
          last.videoWidth === size.width &&
          last.videoHeight === size.height &&
          last.framesAdvanced > 0 &&
          last.audioLevel > 0
        );
      },
      { timeout: 45_000, intervals: [500] },
    )
    .toBe(true);
  if (!last) throw new Error('no measurement');
  return last;
}

export function remoteMedia(page: Page, participantId: string, ms = 1500) {
  return page.evaluate(([id, duration]) => window.harness.remoteMedia(id, duration), [
    participantId,
    ms,
  ] as const);
}

export function stats(page: Page) {
  return page.evaluate(() => window.harness.stats());
}

export function joinById(who: Participant, url: string, consultationId: string) {
  return who.page.evaluate(
    ([url, token, consultationId]) =>
      window.harness.start({ url, token, target: { consultationId } }),
    [url, who.token, consultationId] as const,
  );
}

export function joinByInvite(who: Participant, url: string, invite: string) {
  return who.page.evaluate(
    ([url, token, invite]) => window.harness.start({ url, token, target: { invite } }),
    [url, who.token, invite] as const,
  );
}

export function publish(who: Participant) {
  return who.page.evaluate(() => window.harness.publishCameraAndMicrophone());
}

export function senderKid(who: Participant) {
  return who.page.evaluate(() => window.harness.senderKid());
}
