/**
 * Scale-out in the browser: two Chromium pages in one consultation whose participants sit on
 * different media nodes (media-a takes one participant), so every frame crosses an SRTP pipe
 * between nodes; then media-a is killed and both pages get their media back on media-b by
 * themselves.
 */

import { ClusterMediaRoom } from '../../apps/server/src/cluster/cluster-media-room.ts';
import {
  expectMediaFrom,
  joinById,
  joinByInvite,
  publish,
  stats,
} from './support/harness-actions.ts';
import { expect, inviteSecret, people, clusterTest as test } from './support/skjerm-fixture.ts';

test.describe('a consultation across media nodes', () => {
  test('two pages on two media nodes see and hear each other through a pipe, still SFrame; a media node dies and both come back', async ({
    skjerm,
    participant,
  }) => {
    const booking = await skjerm.book(people.clinician.id, {});
    const id = booking.consultation.id;
    const doctor = await participant(people.clinician.id);
    const patient = await participant(people.patient.id);
    const doctorJoined = await joinById(doctor, skjerm.signalingUrl, id);
    const patientJoining = joinByInvite(patient, skjerm.signalingUrl, inviteSecret(booking));
    await doctor.page.evaluate((name) => window.harness.admit(name), people.patient.name);
    const patientJoined = await patientJoining;
    const [doctorSent, patientSent] = await Promise.all([publish(doctor), publish(patient)]);

    const media = skjerm.server.consultations.get(id)?.media;
    if (!(media instanceof ClusterMediaRoom)) throw new Error('not a cluster consultation');
    const layout = await media.layout();
    const doctorNode = layout[doctorJoined.participantId];
    const patientNode = layout[patientJoined.participantId];
    expect([doctorNode, patientNode]).toEqual(['media-a', 'media-b']);

    const size = (sent: typeof doctorSent) => ({
      width: sent.width ?? 0,
      height: sent.height ?? 0,
    });
    await expectMediaFrom(patient.page, doctorJoined.participantId, size(doctorSent));
    await expectMediaFrom(doctor.page, patientJoined.participantId, size(patientSent));
    for (const page of [doctor.page, patient.page]) {
      const e2ee = await stats(page);
      expect(e2ee.framesDecrypted).toBeGreaterThan(0);
      expect(e2ee.framesDropped['authentication-failed']).toBe(0);
      expect(e2ee.framesDropped['no-key']).toBe(0);
    }

    // The doctor's media node dies: both pages are told to start their media over, and do,
    // on the node left.
    const killed = skjerm.mediaNodes.get('media-a');
    if (!killed) throw new Error('no process for media-a');
    const killedAt = Date.now();
    killed.child.kill('SIGKILL');
    await expect
      .poll(
        () =>
          Promise.all(
            [doctor.page, patient.page].map((page) =>
              page.evaluate(() => window.harness.mediaResets()),
            ),
          ),
        { timeout: 10_000 },
      )
      .toEqual([1, 1]);
    await expectMediaFrom(patient.page, doctorJoined.participantId, size(doctorSent));
    await expectMediaFrom(doctor.page, patientJoined.participantId, size(patientSent));
    const backWithin = Date.now() - killedAt;
    console.log(`media node killed: both pages decode each other again after ${backWithin} ms`);
    expect(backWithin).toBeLessThan(10_000);
    expect(Object.values(await media.layout())).toEqual(['media-b', 'media-b']);
    for (const page of [doctor.page, patient.page]) {
      expect((await stats(page)).framesDropped['authentication-failed']).toBe(0);
    }
  });
});
