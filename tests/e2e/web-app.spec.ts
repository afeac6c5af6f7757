/**
 * The web app as clinicians and patients meet it, in Debian's Chromium with fake camera and
 * microphone, against a real server on 127.0.0.1: sign-in at the identity provider, booking,
 * the information screen, the waiting room, admission, the call, and its end.
 */
import type { Page } from '@playwright/test';
import {
  cast,
  expect,
  liveDeviceTracks,
  readSafetyCode,
  remoteAudioLevel,
  remoteVideo,
  rosterIds,
  signIn,
  test,
} from './support/web-fixture.ts';

/** Saves a screenshot as a test artifact (test-results/<test>/<name>.png). */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

/** The participant id of `name` on this page's roster. */
async function participantIdOf(page: Page, name: string): Promise<string> {
  const item = page.locator('[data-roster]').filter({ hasText: name });
  await expect(item).toHaveCount(1);
  return (await item.getAttribute('data-roster')) ?? '';
}

/** A patient (or interpreter) opens their invitation link, signs in and reads the information. */
async function arriveByInvite(page: Page, inviteUrl: string, personId: string) {
  await page.goto(inviteUrl);
  await signIn(page, personId);
  await expect(page.getByRole('heading', { name: /before the consultation/i })).toBeVisible();
}

async function confirmAndWait(page: Page) {
  await page.getByLabel(/i have read this/i).check();
  await page.getByRole('button', { name: /continue to the waiting room/i }).click();
  await expect(page.getByRole('heading', { name: /waiting room/i })).toBeVisible();
}

/** A clinician opens a consultation from their list. */
async function openFromList(page: Page, title: string) {
  await page
    .getByRole('row')
    .filter({ hasText: title })
    .getByRole('button', { name: /start/i })
    .click();
  await expect(page.getByRole('toolbar', { name: /call controls/i })).toBeVisible();
}

test('GP and patient: booked in the app, informed, admitted, see and hear each other; ending releases the camera', async ({
  web,
  person,
}) => {
  const gp = await person();
  await gp.goto(web.url);
  await expect(gp.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await screenshot(gp, 'sign-in');
  await signIn(gp, cast.gp.id);
  await expect(gp.getByRole('heading', { name: 'Consultations' })).toBeVisible();

  // Booking in the app.
  await gp.getByRole('button', { name: 'New consultation' }).click();
  await gp.getByLabel(/^title/i).fill('Oppfølging blodtrykk');
  await gp.getByLabel('Full name').fill(cast.patient.name);
  await gp.getByLabel('National identity number').fill(cast.patient.nationalId);
  await screenshot(gp, 'booking');
  await gp.getByRole('button', { name: 'Book consultation' }).click();
  await expect(gp.getByRole('heading', { name: 'Consultation booked' })).toBeVisible();
  const inviteUrl = await gp.getByLabel(new RegExp(cast.patient.name)).inputValue();
  expect(inviteUrl).toMatch(/\/join#[A-Za-z0-9_-]{43}$/);
  await gp.getByRole('button', { name: 'Start the consultation' }).click();
  await expect(gp.getByRole('toolbar', { name: /call controls/i })).toBeVisible();

  // The patient: invitation, sign-in, information, waiting room.
  const patient = await person();
  await arriveByInvite(patient, inviteUrl, cast.patient.id);
  await expect(patient.getByText(/end to end/i).first()).toBeVisible();
  await expect(patient.getByText(/never recorded|nothing is recorded/i).first()).toBeVisible();
  await screenshot(patient, 'information');
  // Nothing starts before the patient confirms: no camera yet.
  expect(await liveDeviceTracks(patient)).toEqual([]);
  await confirmAndWait(patient);
  // Her own camera, previewed in the waiting room.
  await expect
    .poll(() => patient.locator('.preview video').evaluate((v: HTMLVideoElement) => v.videoWidth))
    .toBeGreaterThan(0);
  await screenshot(patient, 'waiting');

  // The GP sees who waits, with the identity the eID proved, and lets her in.
  const entry = gp.locator('[data-waiting]').filter({ hasText: cast.patient.name });
  await expect(entry).toContainText(cast.patient.nationalId);
  await expect(entry).toContainText('ID-porten, high level');
  await screenshot(gp, 'waiting-list');
  await gp.getByRole('button', { name: `Let ${cast.patient.name} in` }).click();
  await expect(patient.getByRole('toolbar', { name: /call controls/i })).toBeVisible();

  const patientId = await participantIdOf(gp, cast.patient.name);
  const gpId = await participantIdOf(patient, cast.gp.name);
  expect((await rosterIds(gp)).sort()).toEqual([gpId, patientId].sort());

  // Both see the other at the size sent, and hear them.
  for (const [page, other] of [
    [gp, patientId],
    [patient, gpId],
  ] as const) {
    await expect
      .poll(async () => (await remoteVideo(page, other)).width, { timeout: 20_000 })
      .toBe(640);
    const video = await remoteVideo(page, other);
    expect(video.height).toBe(480);
    expect(video.framesAdvanced).toBeGreaterThan(3);
    expect(await remoteAudioLevel(page, other)).toBeGreaterThan(0.01);
  }

  // Same safety code on both pages.
  const gpCode = await readSafetyCode(gp);
  expect(gpCode).toMatch(/^(\d{5} ){5}\d{5}$/);
  expect(await readSafetyCode(patient)).toBe(gpCode);
  await patient.getByRole('button', { name: /end-to-end encrypted/i }).click();
  await screenshot(patient, 'call-safety-code');
  await patient.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  await screenshot(gp, 'call');

  // Camera off means off: the device is released (its light goes out), and the GP's roster
  // says so; back on, the GP sees her again.
  await patient.getByRole('button', { name: 'Turn camera off' }).click();
  await expect.poll(() => liveDeviceTracks(patient)).toEqual(['audio']);
  const patientRow = gp.locator(`[data-roster="${patientId}"]`);
  await expect(patientRow.getByText('Camera off')).toBeAttached();
  await patient.getByRole('button', { name: 'Turn camera on' }).click();
  await expect
    .poll(async () => (await liveDeviceTracks(patient)).sort())
    .toEqual(['audio', 'video']);
  await expect(patientRow.getByText('Camera off')).not.toBeAttached();
  await expect
    .poll(async () => (await remoteVideo(gp, patientId, 500)).framesAdvanced, { timeout: 20_000 })
    .toBeGreaterThan(0);

  // The GP ends the call: both see it, and neither keeps camera or microphone.
  await gp.getByRole('button', { name: 'End for everyone' }).click();
  for (const page of [gp, patient]) {
    await expect(page.getByRole('heading', { name: 'The consultation has ended' })).toBeVisible();
    await expect.poll(() => liveDeviceTracks(page)).toEqual([]);
  }
  await screenshot(patient, 'ended');
});

/** Books as the GP through the API, opens the call in the GP's page; returns the invitations. */
async function gpOpensBookedCall(
  web: import('./support/web-fixture.ts').WebEnvironment,
  page: Page,
  request: Parameters<import('./support/web-fixture.ts').WebEnvironment['book']>[1],
) {
  const title = `Time ${Math.random().toString(36).slice(2, 8)}`;
  const booking = await web.book(cast.gp.id, { title, ...request });
  await page.goto(web.url);
  await signIn(page, cast.gp.id);
  await openFromList(page, title);
  return { booking, title };
}

function inviteUrlFor(
  booking: import('@skjerm/protocol').BookingResponse,
  role: 'patient' | 'interpreter',
  index = 0,
): string {
  const url = booking.invites.filter((invite) => invite.role === role)[index]?.url;
  if (!url) throw new Error(`no ${role} invitation ${index}`);
  return url;
}

/** Invitee arrives, confirms and waits; the host admits them by name. */
async function admitByInvite(
  host: Page,
  page: Page,
  url: string,
  who: { id: string; name: string },
  hostSees = who.name,
) {
  await arriveByInvite(page, url, who.id);
  await confirmAndWait(page);
  await host.getByRole('button', { name: `Let ${hostSees} in` }).click();
  await expect(page.getByRole('toolbar', { name: /call controls/i })).toBeVisible();
}

/** Each page receives video (decoded, advancing) and has audio from each of the others. */
async function expectEveryoneReceivesEveryone(pages: Page[], names: string[]) {
  const ids = await Promise.all(names.map((name) => participantIdOf(pages[0] as Page, name)));
  for (const [index, page] of pages.entries()) {
    for (const [otherIndex, other] of ids.entries()) {
      if (otherIndex === index) continue;
      await expect
        .poll(async () => (await remoteVideo(page, other, 500)).framesAdvanced, {
          timeout: 30_000,
          message: `${names[index]} receives video from ${names[otherIndex]}`,
        })
        .toBeGreaterThan(0);
      await expect(page.locator(`audio[data-participant="${other}"]`)).toHaveCount(1);
    }
  }
  return ids;
}

test('specialist, GP, patient and interpreter: four parties, everyone receives everyone', async ({
  web,
  person,
}) => {
  const gp = await person();
  const { booking, title } = await gpOpensBookedCall(web, gp, {
    interpreter: true,
    coClinicians: [{ subject: cast.specialist.id, name: cast.specialist.name, role: 'clinician' }],
  });

  // The specialist finds the consultation in their own list.
  const specialist = await person();
  await specialist.goto(web.url);
  await signIn(specialist, cast.specialist.id);
  await openFromList(specialist, title);

  const patient = await person();
  await admitByInvite(gp, patient, inviteUrlFor(booking, 'patient'), cast.patient);
  const interpreter = await person();
  // The interpreter's invitation names the role; the waiting list shows who signed in.
  await admitByInvite(gp, interpreter, inviteUrlFor(booking, 'interpreter'), cast.interpreter);

  const pages = [gp, specialist, patient, interpreter];
  const names = [cast.gp.name, cast.specialist.name, cast.patient.name, cast.interpreter.name];
  for (const page of pages) await expect(page.locator('[data-roster]')).toHaveCount(4);
  await expectEveryoneReceivesEveryone(pages, names);
  await screenshot(interpreter, 'four-party-call');
});

test('group therapy: a therapist and four patients; no patient ever receives another patient’s identity number', async ({
  web,
  person,
}) => {
  const patients = [cast.patient, cast.patient2, cast.patient3, cast.patient4];
  const gp = await person();
  const { booking } = await gpOpensBookedCall(web, gp, {
    mode: 'group',
    patients: patients.map((p) => ({ name: p.name, nationalId: p.nationalId })),
  });

  const pages: Page[] = [];
  /** Everything each patient's page received over the network or showed. */
  const seen: string[][] = patients.map(() => []);
  for (const [index, who] of patients.entries()) {
    const page = await person();
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => seen[index]?.push(String(payload))),
    );
    page.on('response', async (response) => {
      if (response.url().includes('/api/'))
        seen[index]?.push(await response.text().catch(() => ''));
    });
    await arriveByInvite(page, inviteUrlFor(booking, 'patient', index), who.id);
    await expect(page.getByText(/this is a group session/i)).toBeVisible();
    await confirmAndWait(page);
    await gp.getByRole('button', { name: `Let ${who.name} in` }).click();
    await expect(page.getByRole('toolbar', { name: /call controls/i })).toBeVisible();
    pages.push(page);
  }
  for (const page of [gp, ...pages]) await expect(page.locator('[data-roster]')).toHaveCount(5);
  // Each patient's page sees the others by the name chosen for the group.
  await expect(
    (pages[0] as Page).locator('[data-roster]').filter({ hasText: 'Deltaker 2' }),
  ).toHaveCount(1);
  await screenshot(pages[0] as Page, 'group-call');

  for (const [index, page] of pages.entries()) {
    seen[index]?.push(await page.content());
    const everything = seen[index]?.join('\n') ?? '';
    for (const [otherIndex, other] of patients.entries()) {
      if (otherIndex === index) continue;
      expect(everything, `patient ${index + 1}'s page`).not.toContain(other.nationalId);
      expect(everything, `patient ${index + 1}'s page`).not.toContain(other.name);
    }
  }
});

/** Frames the page's E2EE worker dropped, by reason (test builds only). */
function e2eeDrops(page: Page): Promise<Record<string, number> | undefined> {
  return page.evaluate(async () => {
    const client = (
      globalThis as {
        skjermTestClient?: {
          getStats(): Promise<{ e2ee: { framesDropped: Record<string, number> } }>;
        };
      }
    ).skjermTestClient;
    return (await client?.getStats())?.e2ee.framesDropped;
  });
}

/** The page's SDK client (exposed by test builds only). */
function senderKid(page: Page): Promise<number | null> {
  return page.evaluate(() => {
    const client = (globalThis as { skjermTestClient?: { senderKid?: bigint } }).skjermTestClient;
    return client?.senderKid === undefined ? null : Number(client.senderKid);
  });
}

test('keys: when a participant leaves, the others’ keys change within 2 s, media keeps flowing, and the safety code changes everywhere', async ({
  web,
  person,
}) => {
  const gp = await person();
  const { booking } = await gpOpensBookedCall(web, gp, { interpreter: true });
  const patient = await person();
  await admitByInvite(gp, patient, inviteUrlFor(booking, 'patient'), cast.patient);
  const interpreter = await person();
  await admitByInvite(gp, interpreter, inviteUrlFor(booking, 'interpreter'), cast.interpreter);
  const [gpId, patientId] = await expectEveryoneReceivesEveryone(
    [gp, patient, interpreter],
    [cast.gp.name, cast.patient.name, cast.interpreter.name],
  );

  const codeBefore = await readSafetyCode(gp);
  expect(await readSafetyCode(patient)).toBe(codeBefore);
  expect(await readSafetyCode(interpreter)).toBe(codeBefore);
  const kidsBefore = [await senderKid(gp), await senderKid(patient)];

  await interpreter.getByRole('button', { name: 'Leave' }).click();
  const left = Date.now();
  await expect(
    interpreter.getByRole('heading', { name: 'The consultation has ended' }),
  ).toBeVisible();
  for (const [index, page] of [gp, patient].entries()) {
    await expect
      .poll(() => senderKid(page), { timeout: 2_000, intervals: [50] })
      .not.toBe(kidsBefore[index]);
  }
  expect(Date.now() - left).toBeLessThan(2_000);

  // Media keeps flowing under the new keys, and the code changed the same way on both pages.
  for (const [page, other] of [
    [gp, patientId],
    [patient, gpId],
  ] as const) {
    await expect
      .poll(async () => (await remoteVideo(page, other as string, 500)).framesAdvanced, {
        timeout: 5_000,
      })
      .toBeGreaterThan(3);
    const drops = await e2eeDrops(page);
    console.log('E2EE drops after the leave:', JSON.stringify(drops));
    // A rotation may race its envelope (key-pending, unknown-kid), but nothing may fail to
    // authenticate: that would mean a wrong key or tampering.
    expect(drops?.['authentication-failed']).toBe(0);
  }
  await expect.poll(() => readSafetyCode(gp)).not.toBe(codeBefore);
  expect(await readSafetyCode(patient)).toBe(await readSafetyCode(gp));
});

test('the server cannot see the media: what it forwards is SFrame under the announced keys and holds no run of the plaintext', async ({
  web,
  person,
}) => {
  const gp = await person();
  const { booking } = await gpOpensBookedCall(web, gp, {});
  const patient = await person();
  await admitByInvite(gp, patient, inviteUrlFor(booking, 'patient'), cast.patient);
  const patientId = await participantIdOf(gp, cast.patient.name);
  await expect
    .poll(async () => (await remoteVideo(gp, patientId, 300)).framesAdvanced)
    .toBeGreaterThan(0);

  const kid = await senderKid(patient);
  web.tapped.length = 0;
  // The patient's page records plaintext frames just before encryption (test builds only).
  const plaintext: number[][] = await patient.evaluate(async () => {
    const client = (
      globalThis as {
        skjermTestClient?: { samplePlaintextFrames(n: number): Promise<Uint8Array[]> };
      }
    ).skjermTestClient;
    if (!client) throw new Error('not a test build');
    return (await client.samplePlaintextFrames(120)).map((frame) => [...frame]);
  });
  const tapped = web.tapped.filter((frame) => frame.participantId === patientId);
  expect(kid).not.toBeNull();
  expect(await senderKid(patient)).toBe(kid);
  // 120 from each of the patient's senders (camera and microphone).
  expect(plaintext.length).toBe(240);
  expect(tapped.filter((f) => f.kind === 'video').length).toBeGreaterThan(5);
  expect(tapped.filter((f) => f.kind === 'audio').length).toBeGreaterThan(20);

  const { inspectProtectedFrame } = await import('@skjerm/sframe');
  const { DEFAULT_CIPHER_SUITE } = await import('@skjerm/e2ee');
  for (const frame of tapped) {
    const result = inspectProtectedFrame({
      codec: frame.kind === 'video' ? 'vp8' : 'opus',
      cipherSuite: DEFAULT_CIPHER_SUITE,
      data: frame.payload,
      frameLength: frame.payload.length,
      expectedKids: new Set([BigInt(kid as number)]),
    });
    expect(result.wellFormed ? 'well-formed' : `${result.reason}: ${result.detail}`).toBe(
      'well-formed',
    );
  }

  // No 32-byte run of any plaintext frame appears in anything the server forwarded.
  const RUN = 32;
  const runs = new Set<string>();
  for (const frame of plaintext) {
    const hex = Buffer.from(frame).toString('hex');
    for (let i = 0; i + RUN <= frame.length; i++) runs.add(hex.slice(i * 2, (i + RUN) * 2));
  }
  expect(runs.size).toBeGreaterThan(1000);
  const runsIn = (bytes: Uint8Array) => {
    const hex = Buffer.from(bytes).toString('hex');
    let count = 0;
    for (let i = 0; i + RUN <= bytes.length; i++) {
      if (runs.has(hex.slice(i * 2, (i + RUN) * 2))) count += 1;
    }
    return count;
  };
  // The search finds plaintext where there is some (so finding none below means something).
  expect(runsIn(Uint8Array.from(plaintext.find((f) => f.length > 100) ?? []))).toBeGreaterThan(0);
  let found = 0;
  for (const frame of tapped) found += runsIn(frame.payload);
  expect(found).toBe(0);
});

test('unsupported browser: a clear message, and no camera, microphone or media', async ({
  web,
  person,
}) => {
  const booking = await web.book(cast.gp.id, {});
  const patient = await person({
    initScript: () => {
      // A browser without encoded transforms (neither the standard nor Chrome's older API).
      delete (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform;
      delete (RTCRtpSender.prototype as { createEncodedStreams?: unknown }).createEncodedStreams;
    },
  });
  const sent: string[] = [];
  patient.on('websocket', (socket) =>
    socket.on('framesent', ({ payload }) => sent.push(String(payload))),
  );
  await patient.goto(inviteUrlFor(booking, 'patient'));
  await signIn(patient, cast.patient.id);
  await expect(patient.getByRole('heading', { name: 'This browser cannot be used' })).toBeVisible();
  await expect(patient.getByText(/never sends unencrypted video/)).toBeVisible();
  expect(await liveDeviceTracks(patient)).toEqual([]);
  expect(
    await patient.evaluate(
      () => (window as unknown as { __openedTracks: unknown[] }).__openedTracks.length,
    ),
  ).toBe(0);
  expect(sent.some((frame) => frame.includes('"join"') || frame.includes('"produce"'))).toBe(false);
  await screenshot(patient, 'unsupported-browser');
});

/**
 * Cuts the page's network, as far as a test on loopback can: the browser goes offline (no
 * HTTP), its signaling WebSocket is cut on both ends without a closing handshake the server
 * could take for a goodbye (code 4000), and new connections fail until `restore()`. Media
 * runs over UDP on 127.0.0.1, which the browser's offline mode does not stop; ICE restarts
 * when the session resumes either way.
 */
async function networkSwitch(page: Page) {
  let offline = false;
  const open = new Set<{ close(options: { code: number; reason: string }): Promise<void> }>();
  await page.routeWebSocket(/\/ws$/, (ws) => {
    if (offline) {
      void ws.close({ code: 4000, reason: 'offline' });
      return;
    }
    const server = ws.connectToServer();
    open.add(ws).add(server);
  });
  return {
    async cut() {
      offline = true;
      await page.context().setOffline(true);
      for (const end of open)
        await end.close({ code: 4000, reason: 'network drop' }).catch(() => undefined);
      open.clear();
    },
    async restore() {
      offline = false;
      await page.context().setOffline(false);
    },
  };
}

test('network drop: offline for 5 s, then back; the call resumes without anyone doing anything', async ({
  web,
  person,
}) => {
  const gp = await person();
  const { booking } = await gpOpensBookedCall(web, gp, {});
  const patient = await person();
  const network = await networkSwitch(patient);
  await admitByInvite(gp, patient, inviteUrlFor(booking, 'patient'), cast.patient);
  const [gpId, patientId] = await expectEveryoneReceivesEveryone(
    [gp, patient],
    [cast.gp.name, cast.patient.name],
  );

  await network.cut();
  const offlineSince = Date.now();
  await expect(patient.getByText('Connection lost. Reconnecting…')).toBeVisible();
  await screenshot(patient, 'reconnecting');
  await patient.waitForTimeout(5_000 - (Date.now() - offlineSince));
  await network.restore();

  await expect(patient.getByText('Connection lost. Reconnecting…')).toBeHidden({ timeout: 10_000 });
  await expect(patient.getByRole('toolbar', { name: /call controls/i })).toBeVisible();
  await expect
    .poll(async () => (await remoteVideo(gp, patientId as string, 500)).framesAdvanced, {
      timeout: 20_000,
    })
    .toBeGreaterThan(0);
  await expect
    .poll(async () => (await remoteVideo(patient, gpId as string, 500)).framesAdvanced, {
      timeout: 20_000,
    })
    .toBeGreaterThan(0);
  expect((await rosterIds(gp)).sort()).toEqual([gpId, patientId].sort());
  expect((await rosterIds(patient)).sort()).toEqual([gpId, patientId].sort());
});

test('in Norwegian, by keyboard alone, at phone width: the patient gets in, is muted by the host, and is removed', async ({
  web,
  person,
}) => {
  const gp = await person();
  const { booking } = await gpOpensBookedCall(web, gp, {});
  const phone = { width: 390, height: 844 };
  const patient = await person({ locale: 'nb-NO', viewport: phone });
  await patient.goto(inviteUrlFor(booking, 'patient'));
  await expect(patient.getByRole('heading', { name: 'Logg inn' })).toBeVisible();
  await patient.getByRole('button', { name: 'Logg inn med elektronisk ID' }).click();
  await patient.locator(`button[name="person"][value="${cast.patient.id}"]`).click();
  await expect(patient.getByRole('heading', { name: 'Før konsultasjonen' })).toBeVisible();
  await expect(patient.getByRole('heading', { name: 'Før konsultasjonen' })).toBeFocused();
  await screenshot(patient, 'information-nb-phone');

  // Keyboard only: the checkbox, then the button, in that order.
  for (let i = 0; i < 10; i++) {
    await patient.keyboard.press('Tab');
    const label = await patient.evaluate(
      () => document.activeElement?.closest('label')?.textContent ?? '',
    );
    if (label.includes('Jeg har lest dette')) break;
  }
  await patient.keyboard.press('Space');
  await patient.keyboard.press('Tab');
  await expect(patient.getByRole('button', { name: 'Gå til venterommet' })).toBeFocused();
  await patient.keyboard.press('Enter');
  await expect(patient.getByRole('heading', { name: 'Venterom' })).toBeVisible();
  await screenshot(patient, 'waiting-nb-phone');

  // The switch changes the language at once.
  await patient.getByLabel('Språk').selectOption('en');
  await expect(patient.getByRole('heading', { name: 'Waiting room' })).toBeVisible();
  await patient.getByLabel('Language').selectOption('nb');

  await gp.getByRole('button', { name: `Let ${cast.patient.name} in` }).click();
  await expect(patient.getByRole('toolbar', { name: 'Samtalekontroller' })).toBeVisible();
  const patientId = await participantIdOf(gp, cast.patient.name);

  // The host silences the patient: she is told, and the roster shows it.
  await gp.getByRole('button', { name: `Turn off ${cast.patient.name}'s microphone` }).click();
  await expect(
    patient.getByRole('status').filter({ hasText: 'En behandler slo av mikrofonen din' }),
  ).toBeVisible();
  await expect(
    gp.locator(`[data-roster="${patientId}"]`).getByText('Microphone off'),
  ).toBeAttached();
  await screenshot(patient, 'call-nb-phone-muted');
  // She turns it on again herself.
  await patient.getByRole('button', { name: 'Slå på mikrofonen' }).click();
  await expect(
    gp.locator(`[data-roster="${patientId}"]`).getByText('Microphone on'),
  ).toBeAttached();

  await gp.getByRole('button', { name: `Remove ${cast.patient.name}` }).click();
  await expect(patient.getByText('En behandler fjernet deg fra konsultasjonen.')).toBeVisible();
  await expect.poll(() => liveDeviceTracks(patient)).toEqual([]);
});
