import type { RosterMember } from '@skjerm/protocol';
import type { SkjermServer } from '@skjerm/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admit,
  arrive,
  book,
  enterAsClinician,
  inviteSecret,
  signIn,
} from '../support/consultations.ts';
import { PlainRtpPeer } from '../support/plain-rtp-peer.ts';
import type { SignalingClient } from '../support/signaling-client.ts';
import { startTestServer } from '../support/test-server.ts';
import { people, TestIssuer, testKeySource } from '../support/test-tokens.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

let issuer: TestIssuer;
let server: SkjermServer;
const clients: SignalingClient[] = [];
const peers: PlainRtpPeer[] = [];

function audioOf(roster: readonly RosterMember[], participantId: string): boolean | undefined {
  return roster.find((member) => member.participantId === participantId)?.audio;
}

describe('a participant pausing its own producer', () => {
  beforeAll(async () => {
    requireWorkerBinary();
    issuer = await TestIssuer.create();
    server = await startTestServer(testKeySource(issuer));
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    for (const peer of peers) peer.close();
    await server?.close();
  });

  it('shows everyone on the roster that its audio went off, and on again', async () => {
    const booking = await book(server, issuer, people.clinician);
    const doctor = await signIn(server, issuer, people.clinician);
    const patient = await signIn(server, issuer, people.patient);
    clients.push(doctor, patient);
    const joined = await enterAsClinician(doctor, booking.consultation.id);
    await arrive(patient, inviteSecret(booking));
    await admit(doctor, patient, people.patient.name);
    const doctorId = joined.participantId;

    const kid = joined.senderSlot * 0x1_0000;
    const { producerId, port, ssrc } = await PlainRtpPeer.produce(doctor, 'audio', [kid]);
    const source = await PlainRtpPeer.open();
    peers.push(source);
    let stop = false;
    const sending = source.send(port, ssrc, {
      kind: 'audio',
      sframe: await PlainRtpPeer.sframeSender(kid),
      frames: 1000,
      intervalMs: 20,
      stopped: () => stop,
    });
    try {
      await patient.until('rosterChanged', ({ roster }) => audioOf(roster, doctorId) === true);

      await doctor.request('setProducerPaused', { producerId, paused: true });
      const off = await patient.until(
        'rosterChanged',
        ({ roster }) => audioOf(roster, doctorId) === false,
      );
      expect(off.roster.find((m) => m.participantId === doctorId)?.video).toBe(false);

      await doctor.request('setProducerPaused', { producerId, paused: false });
      await patient.until('rosterChanged', ({ roster }) => audioOf(roster, doctorId) === true);
      // The producer's owner hears of it too: its own roster is the same.
      await doctor.until('rosterChanged', ({ roster }) => audioOf(roster, doctorId) === true);
    } finally {
      stop = true;
      await sending;
    }
  });
});
