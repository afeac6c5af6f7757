import {
  expectMediaFrom,
  joinById,
  joinByInvite,
  publish,
  senderKid,
  stats,
} from './support/harness-actions.ts';
import { expect, inviteSecret, people, test } from './support/skjerm-fixture.ts';

test.describe('a consultation in the browser, encrypted end to end', () => {
  test('two participants see and hear each other through SFrame, and share one safety code', async ({
    skjerm,
    participant,
  }) => {
    const booking = await skjerm.book(people.clinician.id, {});
    const doctor = await participant(people.clinician.id);
    const patient = await participant(people.patient.id);

    const doctorJoined = await joinById(doctor, skjerm.signalingUrl, booking.consultation.id);
    // The patient waits in their own waiting room until the doctor admits them.
    const patientJoining = joinByInvite(patient, skjerm.signalingUrl, inviteSecret(booking));
    await doctor.page.evaluate((name) => window.harness.admit(name), people.patient.name);
    const patientJoined = await patientJoining;

    const [doctorSent, patientSent] = await Promise.all([publish(doctor), publish(patient)]);
    expect(doctorSent).toEqual({ width: 640, height: 480 });

    const atPatient = await expectMediaFrom(patient.page, doctorJoined.participantId, {
      width: doctorSent.width ?? 0,
      height: doctorSent.height ?? 0,
    });
    const atDoctor = await expectMediaFrom(doctor.page, patientJoined.participantId, {
      width: patientSent.width ?? 0,
      height: patientSent.height ?? 0,
    });
    console.log('patient sees the doctor:', JSON.stringify(atPatient));
    console.log('doctor sees the patient:', JSON.stringify(atDoctor));

    for (const page of [doctor.page, patient.page]) {
      const e2ee = await stats(page);
      console.log(
        'E2EE worker:',
        JSON.stringify({
          encrypted: e2ee.framesEncrypted,
          decrypted: e2ee.framesDecrypted,
          dropped: e2ee.framesDropped,
          sendKid: e2ee.sendKid,
        }),
      );
      expect(e2ee.framesEncrypted).toBeGreaterThan(0);
      expect(e2ee.framesDecrypted).toBeGreaterThan(0);
      expect(e2ee.framesDropped['authentication-failed']).toBe(0);
      expect(e2ee.framesDropped['no-key']).toBe(0);
      expect(await page.evaluate(() => window.harness.errors())).toEqual([]);
    }

    const codes = await Promise.all(
      [doctor.page, patient.page].map((page) => page.evaluate(() => window.harness.safetyCode())),
    );
    expect(codes[0]).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(codes[1]).toBe(codes[0]);
    await expect(doctor.page.locator('#safety-code')).toHaveText(codes[0] ?? '');
  });

  test('when a participant leaves, the others switch to fresh sender keys within 2 s and media keeps flowing', async ({
    skjerm,
    participant,
  }) => {
    const booking = await skjerm.book(people.clinician.id, {
      coClinicians: [
        { subject: people.coClinician.id, name: people.coClinician.name, role: 'clinician' },
      ],
    });
    const doctor = await participant(people.clinician.id);
    const colleague = await participant(people.coClinician.id);
    const patient = await participant(people.patient.id);
    const url = skjerm.signalingUrl;
    const doctorJoined = await joinById(doctor, url, booking.consultation.id);
    await joinById(colleague, url, booking.consultation.id);
    const patientJoining = joinByInvite(patient, url, inviteSecret(booking));
    await doctor.page.evaluate((name) => window.harness.admit(name), people.patient.name);
    const patientJoined = await patientJoining;
    // The colleague only listens in; the doctor and the patient send camera and microphone.
    await Promise.all([publish(doctor), publish(patient)]);
    const size = { width: 640, height: 480 };
    await expectMediaFrom(patient.page, doctorJoined.participantId, size);
    await expectMediaFrom(doctor.page, patientJoined.participantId, size);

    const before = { doctor: await senderKid(doctor), patient: await senderKid(patient) };
    const decryptedBefore = {
      doctor: (await stats(doctor.page)).framesDecrypted,
      patient: (await stats(patient.page)).framesDecrypted,
    };
    const leftAt = Date.now();
    await colleague.page.evaluate(() => window.harness.leave());

    for (const [who, page] of [
      ['doctor', doctor.page],
      ['patient', patient.page],
    ] as const) {
      await expect
        .poll(() => page.evaluate(() => window.harness.senderKid()))
        .not.toBe(before[who]);
      const rotation = (await page.evaluate(() => window.harness.keyChanges())).find(
        (change) => change.at >= leftAt && change.reason === 'rotated',
      );
      expect(rotation, `${who} rotated its sender key`).toBeDefined();
      const elapsed = (rotation?.at ?? Number.POSITIVE_INFINITY) - leftAt;
      console.log(`${who}: KID ${before[who]} -> ${rotation?.kid} ${elapsed} ms after the leave`);
      expect(elapsed).toBeLessThan(2000);
      // Same sender slot, next epoch: a fresh random key the leaver never received.
      expect(Math.floor((rotation?.kid ?? 0) / 65536)).toBe(Math.floor((before[who] ?? 0) / 65536));
    }

    // Media keeps flowing under the new keys.
    const atPatient = await expectMediaFrom(patient.page, doctorJoined.participantId, size);
    const atDoctor = await expectMediaFrom(doctor.page, patientJoined.participantId, size);
    console.log('after the leave, patient sees:', JSON.stringify(atPatient));
    console.log('after the leave, doctor sees:', JSON.stringify(atDoctor));
    for (const [who, page] of [
      ['doctor', doctor.page],
      ['patient', patient.page],
    ] as const) {
      const after = await stats(page);
      console.log(`${who} E2EE worker after the leave:`, JSON.stringify(after.framesDropped));
      expect(after.sendKid).not.toBe(before[who]);
      expect(after.framesDecrypted).toBeGreaterThan(decryptedBefore[who]);
      expect(after.framesDropped['authentication-failed']).toBe(0);
      expect(await page.evaluate(() => window.harness.errors())).toEqual([]);
    }
    const codes = await Promise.all(
      [doctor.page, patient.page].map((page) => page.evaluate(() => window.harness.safetyCode())),
    );
    expect(codes[1]).toBe(codes[0]);
  });

  test('after the media node dies, both re-produce on the new one and see and hear each other again', async ({
    skjerm,
    participant,
  }) => {
    const booking = await skjerm.book(people.clinician.id, {});
    const doctor = await participant(people.clinician.id);
    const patient = await participant(people.patient.id);
    const url = skjerm.signalingUrl;
    const doctorJoined = await joinById(doctor, url, booking.consultation.id);
    const patientJoining = joinByInvite(patient, url, inviteSecret(booking));
    await doctor.page.evaluate((name) => window.harness.admit(name), people.patient.name);
    const patientJoined = await patientJoining;
    await Promise.all([publish(doctor), publish(patient)]);
    const size = { width: 640, height: 480 };
    await expectMediaFrom(patient.page, doctorJoined.participantId, size);

    // The worker is a child of this test process: kill it as a crash would.
    const [media] = skjerm.server.workers?.workers ?? [];
    if (!media) throw new Error('no media worker');
    process.kill(media.worker.pid, 'SIGKILL');

    for (const page of [doctor.page, patient.page]) {
      await expect.poll(() => page.evaluate(() => window.harness.mediaResets())).toBe(1);
    }
    const atPatient = await expectMediaFrom(patient.page, doctorJoined.participantId, size);
    const atDoctor = await expectMediaFrom(doctor.page, patientJoined.participantId, size);
    console.log('after the reset, patient sees:', JSON.stringify(atPatient));
    console.log('after the reset, doctor sees:', JSON.stringify(atDoctor));
    for (const page of [doctor.page, patient.page]) {
      const after = await stats(page);
      expect(after.framesDropped['authentication-failed']).toBe(0);
      expect(await page.evaluate(() => window.harness.errors())).toEqual([]);
    }
  });

  test('after the signaling connections drop, both take their sessions back and the call goes on', async ({
    skjerm,
    participant,
  }) => {
    const booking = await skjerm.book(people.clinician.id, {});
    const doctor = await participant(people.clinician.id);
    const patient = await participant(people.patient.id);
    const url = skjerm.signalingUrl;
    const doctorJoined = await joinById(doctor, url, booking.consultation.id);
    const patientJoining = joinByInvite(patient, url, inviteSecret(booking));
    await doctor.page.evaluate((name) => window.harness.admit(name), people.patient.name);
    const patientJoined = await patientJoining;
    await Promise.all([publish(doctor), publish(patient)]);
    const size = { width: 640, height: 480 };
    await expectMediaFrom(patient.page, doctorJoined.participantId, size);

    for (const page of [doctor.page, patient.page]) {
      await page.evaluate(() => window.harness.dropConnection());
    }

    for (const page of [doctor.page, patient.page]) {
      await expect
        .poll(() => page.evaluate(() => window.harness.connectionEvents()))
        .toEqual(['reconnecting', 'reconnected']);
      expect(await page.evaluate(() => window.harness.state())).toBe('joined');
    }
    expect(await doctor.page.evaluate(() => window.harness.roster())).toHaveLength(2);
    const atPatient = await expectMediaFrom(patient.page, doctorJoined.participantId, size);
    const atDoctor = await expectMediaFrom(doctor.page, patientJoined.participantId, size);
    console.log('after resuming, patient sees:', JSON.stringify(atPatient));
    console.log('after resuming, doctor sees:', JSON.stringify(atDoctor));

    // The new connections carry the call on: the patient leaves, the doctor rotates its key.
    const before = await senderKid(doctor);
    await patient.page.evaluate(() => window.harness.leave());
    await expect.poll(() => senderKid(doctor), { timeout: 2000 }).not.toBe(before);
    expect(await doctor.page.evaluate(() => window.harness.errors())).toEqual([]);
  });

  test('a browser that cannot transform encoded frames is refused before it joins', async ({
    skjerm,
    participant,
  }) => {
    const booking = await skjerm.book(people.clinician.id, {});
    const doctor = await participant(people.clinician.id);
    const refused = await doctor.page.evaluate(
      async ([url, token, consultationId]) => {
        // What a browser without either encoded-transform API looks like.
        Reflect.deleteProperty(window, 'RTCRtpScriptTransform');
        Reflect.deleteProperty(RTCRtpSender.prototype, 'createEncodedStreams');
        try {
          await window.harness.start({ url, token, target: { consultationId } });
          return undefined;
        } catch (error) {
          return { name: (error as Error).name, message: (error as Error).message };
        }
      },
      [skjerm.signalingUrl, doctor.token, booking.consultation.id] as const,
    );
    expect(refused).toEqual({
      name: 'SkjermClientError',
      message: expect.stringContaining('Skjerm never sends media unencrypted'),
    });
    await expect(doctor.page.locator('#state')).toHaveText('connected');
  });
});
