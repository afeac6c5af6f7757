import type { SkjermServer } from '@skjerm/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  admit,
  api,
  arrive,
  book,
  enterAsClinician,
  inviteSecret,
  signIn,
} from '../support/consultations.ts';
import { SignalingClient } from '../support/signaling-client.ts';
import { localMediaRoom, startTestServer } from '../support/test-server.ts';
import { people, TestIssuer, testKeySource } from '../support/test-tokens.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

let issuer: TestIssuer;
let server: SkjermServer;
const clients: SignalingClient[] = [];

async function client(person: keyof typeof people) {
  const signedIn = await signIn(server, issuer, people[person]);
  clients.push(signedIn);
  return signedIn;
}

function auditTypes(entries: unknown): string[] {
  return (entries as { type: string }[]).map((entry) => entry.type);
}

/**
 * A booked consultation with the doctor in the call and the patient admitted on a connection
 * of her own (`patient`), with that connection's hello answer (its resume token).
 */
async function patientInCall(token?: string) {
  const booking = await book(server, issuer, people.clinician);
  const doctor = await client('clinician');
  const doctorJoined = await enterAsClinician(doctor, booking.consultation.id);
  const patientToken = token ?? (await issuer.token(people.patient));
  const patient = await SignalingClient.connect(server.url);
  clients.push(patient);
  const hello = await patient.request('hello', { protocolVersion: 1, token: patientToken });
  await arrive(patient, inviteSecret(booking));
  const joined = await admit(doctor, patient, people.patient.name);
  await doctor.until('rosterChanged', ({ roster }) => roster.length === 2);
  return { booking, doctor, doctorJoined, patient, token: patientToken, hello, joined };
}

describe('consultations: booking, waiting rooms, admission, roles and ending', () => {
  beforeAll(async () => {
    requireWorkerBinary();
    issuer = await TestIssuer.create();
    server = await startTestServer(testKeySource(issuer));
  });

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await server?.close();
  });

  it('lets a clinician book and see only their own consultations', async () => {
    const booking = await book(server, issuer, people.clinician, { title: 'Blodtrykk' });
    expect(booking.invites).toHaveLength(1);
    expect(booking.invites[0]).toMatchObject({ role: 'patient', name: people.patient.name });
    expect(booking.invites[0]?.url).toMatch(/\/join#[A-Za-z0-9_-]{43}$/);
    const mine = await api(server, issuer, people.clinician, 'GET', '/api/consultations');
    expect((mine.body.consultations as { id: string }[]).map((c) => c.id)).toContain(
      booking.consultation.id,
    );
    const theirs = await api(
      server,
      issuer,
      people.secondClinician,
      'GET',
      `/api/consultations/${booking.consultation.id}`,
    );
    expect(theirs.status).toBe(404);
    const patient = await api(server, issuer, people.patient, 'GET', '/api/consultations');
    expect(patient.status).toBe(403);
    const anonymous = await api(server, issuer, undefined, 'GET', '/api/consultations');
    expect(anonymous).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
  });

  it('refuses bookings with bad input and says why', async () => {
    const bad = await api(server, issuer, people.clinician, 'POST', '/api/consultations', {
      title: 'x',
      startsAt: '2026-12-01T10:00:00Z',
      mode: 'consultation',
      patients: [{ name: 'A', nationalId: '12345678901' }],
    });
    expect(bad).toMatchObject({ status: 400, body: { code: 'bad-request' } });
    expect(String(bad.body.message)).toMatch(/identity number/);
    const two = await api(server, issuer, people.clinician, 'POST', '/api/consultations', {
      title: 'x',
      startsAt: '2026-12-01T10:00:00Z',
      mode: 'consultation',
      patients: [
        { name: 'A', nationalId: people.patient.pid },
        { name: 'B', nationalId: people.secondPatient.pid },
      ],
    });
    expect(two).toMatchObject({ status: 400, body: { code: 'bad-request' } });
  });

  it('keeps each patient in their own waiting room until admitted, enforced by the server', async () => {
    const booking = await book(server, issuer, people.clinician);
    const id = booking.consultation.id;
    const doctor = await client('clinician');
    await enterAsClinician(doctor, id);
    const patient = await client('patient');
    const info = await patient.request('inspectInvite', { invite: inviteSecret(booking) });
    expect(info).toMatchObject({
      consultationId: id,
      mode: 'consultation',
      clinicians: ['Dr. Kari Nordmann'],
      otherPatients: 0,
    });
    const waiting = await arrive(patient, inviteSecret(booking));
    expect(waiting).toEqual({
      status: 'waiting',
      consultationId: id,
      title: 'Kontroll',
      clinicians: ['Dr. Kari Nordmann'],
    });

    // The clinician sees who waits, with the verified identity number and assurance.
    const { waiting: list } = await doctor.waitFor(
      'waitingListChanged',
      (d) => d.waiting.length === 1,
    );
    expect(list[0]).toMatchObject({
      name: people.patient.name,
      role: 'patient',
      nationalId: people.patient.pid,
      assurance: 'idporten-loa-high',
    });

    // Waiting: no media, no roster, no keys.
    for (const attempt of [
      patient.request('createTransport', { direction: 'recv' }),
      patient.request('relayKeys', { envelopes: [{ to: 'x', envelope: {} }] }),
      patient.request('consume', { transportId: 't', producerId: 'p' }),
      patient.request('admit', { waitingId: list[0]?.waitingId ?? '' }),
    ]) {
      await expect(attempt).rejects.toMatchObject({ error: { code: 'out-of-order' } });
    }
    expect(patient.frames.some((frame) => frame.includes('rosterChanged'))).toBe(false);

    const admitted = await admit(doctor, patient, people.patient.name);
    expect(admitted.roster.map((m) => m.role).sort()).toEqual(['clinician', 'patient']);
    await doctor.waitFor('rosterChanged', ({ roster }) => roster.length === 2);
    const entries = await api(
      server,
      issuer,
      people.clinician,
      'GET',
      `/api/consultations/${id}/audit`,
    );
    expect(auditTypes(entries.body.entries)).toEqual(
      expect.arrayContaining([
        'consultation-created',
        'joined',
        'invite-opened',
        'waiting',
        'admitted',
      ]),
    );
  });

  it('keeps two patients of one clinician apart: no invite reuse, no probing, no leaks', async () => {
    const first = await book(server, issuer, people.clinician);
    const second = await book(server, issuer, people.clinician, {
      patients: [{ name: people.secondPatient.name, nationalId: people.secondPatient.pid }],
    });
    const doctor = await client('clinician');
    await enterAsClinician(doctor, first.consultation.id);
    const p1 = await client('patient');
    const p2 = await client('secondPatient');

    // The second patient tries the first patient's invite: refused and audited.
    await expect(arrive(p2, inviteSecret(first))).rejects.toMatchObject({
      error: { code: 'forbidden', detail: 'identity-mismatch' },
    });
    await expect(
      p2.request('inspectInvite', { invite: inviteSecret(first) }),
    ).rejects.toMatchObject({
      error: { code: 'forbidden' },
    });
    // ... by consultation id, by a forged invite, by mixing fields:
    await expect(
      p2.request('join', {
        consultationId: first.consultation.id,
        e2ee: { boxPublicKey: 'a', signPublicKey: 'b' },
        rtpCapabilities: {},
      }),
    ).rejects.toMatchObject({ error: { code: 'not-found' } });
    await expect(arrive(p2, 'A'.repeat(43))).rejects.toMatchObject({
      error: { code: 'not-found' },
    });
    await expect(
      p2.request('join', {
        consultationId: first.consultation.id,
        invite: inviteSecret(second),
        e2ee: { boxPublicKey: 'a', signPublicKey: 'b' },
        rtpCapabilities: {},
      }),
    ).rejects.toMatchObject({ error: { code: 'bad-request' } });

    await arrive(p1, inviteSecret(first));
    await arrive(p2, inviteSecret(second));
    // The clinician in the first consultation sees only its own waiting patient.
    const { waiting } = await doctor.waitFor('waitingListChanged', (d) => d.waiting.length > 0);
    expect(waiting.map((w) => w.name)).toEqual([people.patient.name]);
    await admit(doctor, p1, people.patient.name);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const frame of p1.frames) {
      expect(frame).not.toContain(people.secondPatient.pid);
      expect(frame).not.toContain(people.secondPatient.name);
    }
    for (const frame of p2.frames) {
      expect(frame).not.toContain(people.patient.pid);
      expect(frame).not.toContain(people.patient.name);
    }
    const entries = await api(
      server,
      issuer,
      people.clinician,
      'GET',
      `/api/consultations/${first.consultation.id}/audit`,
    );
    expect(auditTypes(entries.body.entries)).toContain('identity-mismatch');
  });

  it('group mode: patients confirm, see each other only by display name, never identity numbers', async () => {
    const booking = await book(server, issuer, people.clinician, {
      title: 'Samtalegruppe',
      mode: 'group',
      patients: [
        { name: people.patient.name, nationalId: people.patient.pid, displayName: 'Deltaker 1' },
        {
          name: people.secondPatient.name,
          nationalId: people.secondPatient.pid,
          displayName: 'Deltaker 2',
        },
        {
          name: people.thirdPatient.name,
          nationalId: people.thirdPatient.pid,
          displayName: 'Deltaker 3',
        },
      ],
    });
    const id = booking.consultation.id;
    const therapist = await client('clinician');
    await enterAsClinician(therapist, id);
    const patients = [
      { client: await client('patient'), person: people.patient, invite: inviteSecret(booking, 0) },
      {
        client: await client('secondPatient'),
        person: people.secondPatient,
        invite: inviteSecret(booking, 1),
      },
      {
        client: await client('thirdPatient'),
        person: people.thirdPatient,
        invite: inviteSecret(booking, 2),
      },
    ];
    for (const { client: c, person, invite } of patients) {
      expect(await c.request('inspectInvite', { invite })).toMatchObject({
        mode: 'group',
        otherPatients: 2,
      });
      await expect(arrive(c, invite)).rejects.toMatchObject({
        error: { code: 'confirmation-required' },
      });
      await arrive(c, invite, true);
      await admit(therapist, c, person.name);
    }
    const { roster } = await therapist.until('rosterChanged', (d) => d.roster.length === 4);
    expect(roster.map((m) => m.name).sort()).toEqual([
      'Deltaker 1',
      'Deltaker 2',
      'Deltaker 3',
      'Dr. Kari Nordmann',
    ]);
    for (const { client: c, person } of patients) {
      for (const other of patients.filter((p) => p.person !== person)) {
        for (const frame of c.frames) {
          expect(frame).not.toContain(other.person.pid);
          expect(frame).not.toContain(other.person.name);
        }
      }
    }
  });

  it('gives hosts, and only hosts, deny, mute and remove; confirmations of the safety code lapse on membership changes', async () => {
    const booking = await book(server, issuer, people.clinician, {
      mode: 'group',
      patients: [
        { name: people.patient.name, nationalId: people.patient.pid, displayName: 'A' },
        { name: people.secondPatient.name, nationalId: people.secondPatient.pid, displayName: 'B' },
      ],
    });
    const id = booking.consultation.id;
    const doctor = await client('clinician');
    await enterAsClinician(doctor, id);
    const p1 = await client('patient');
    await arrive(p1, inviteSecret(booking, 0), true);
    const joined = await admit(doctor, p1, people.patient.name);
    const p2 = await client('secondPatient');
    await arrive(p2, inviteSecret(booking, 1), true);
    const { waiting } = await doctor.until('waitingListChanged', (d) => d.waiting.length === 1);

    // A patient is no host.
    await expect(
      p1.request('deny', { waitingId: waiting[0]?.waitingId ?? '' }),
    ).rejects.toMatchObject({
      error: { code: 'forbidden' },
    });
    await expect(p1.request('end', {})).rejects.toMatchObject({ error: { code: 'forbidden' } });
    const denied = p2.waitFor('denied');
    await doctor.request('deny', { waitingId: waiting[0]?.waitingId ?? '' });
    await denied;
    await expect(p2.request('createTransport', { direction: 'recv' })).rejects.toMatchObject({
      error: { code: 'out-of-order' },
    });

    // Safety code: confirmed by one, shown to all, cleared when someone leaves.
    await p1.request('confirmSafetyCode', {});
    await doctor.until('rosterChanged', ({ roster }) =>
      roster.some((m) => m.participantId === joined.participantId && m.keyVerified),
    );

    const muted = p1.waitFor('mutedByHost');
    await doctor.request('mute', { participantId: joined.participantId, kind: 'audio' });
    expect(await muted).toEqual({ kind: 'audio' });

    const removed = p1.waitFor('removed');
    await doctor.request('remove', { participantId: joined.participantId });
    await removed;
    const { roster } = await doctor.until('rosterChanged', (d) => d.roster.length === 1);
    expect(roster.every((m) => !m.keyVerified)).toBe(true);
    await expect(
      p1.request('relayKeys', { envelopes: [{ to: 'x', envelope: {} }] }),
    ).rejects.toMatchObject({
      error: { code: 'out-of-order' },
    });
    const entries = server.audit.export(id).map((e) => e.type);
    expect(entries).toEqual(
      expect.arrayContaining(['denied', 'admitted', 'muted', 'removed', 'safety-code-confirmed']),
    );
  });

  it('lets the booking clinician change title and time, audited, and nobody else', async () => {
    const booking = await book(server, issuer, people.clinician);
    const path = `/api/consultations/${booking.consultation.id}`;
    const changed = await api(server, issuer, people.clinician, 'PATCH', path, {
      title: 'Ny tittel',
    });
    expect(changed).toMatchObject({ status: 200, body: { consultation: { title: 'Ny tittel' } } });
    expect(
      await api(server, issuer, people.secondClinician, 'PATCH', path, { title: 'x' }),
    ).toMatchObject({ status: 404 });
    expect(
      await api(server, issuer, people.clinician, 'PATCH', path, { patients: [] }),
    ).toMatchObject({ status: 400 });
    expect(server.audit.export(booking.consultation.id).map((e) => e.type)).toContain(
      'consultation-changed',
    );
  });

  it('lets a client whose connection dropped resume its place; anyone else cannot', async () => {
    const { booking, doctor, patient: first, hello, joined } = await patientInCall();

    // The network drops (no closing handshake); someone else tries the resume token first.
    first.socket.terminate();
    const thief = await SignalingClient.connect(server.url);
    clients.push(thief);
    const stolen = await thief.request('hello', {
      protocolVersion: 1,
      token: await issuer.token(people.secondPatient),
      resume: hello.resumeToken,
    });
    expect(stolen.resumed).toBeUndefined();

    const again = await SignalingClient.connect(server.url);
    clients.push(again);
    const resumed = await again.request('hello', {
      protocolVersion: 1,
      token: await issuer.token(people.patient),
      resume: hello.resumeToken,
    });
    expect(resumed.resumed).toMatchObject({
      state: 'joined',
      consultationId: booking.consultation.id,
    });
    expect(resumed.resumed?.joined?.participantId).toBe(joined.participantId);
    const { roster } = await again.waitFor('rosterChanged');
    expect(roster.map((m) => m.participantId)).toContain(joined.participantId);
    await again.request('createTransport', { direction: 'recv' });
    // The doctor never saw the patient leave.
    expect(
      doctor.notifications.some(
        (n) =>
          n.notification === 'rosterChanged' &&
          (n.data as { roster: unknown[] }).roster.length === 1,
      ),
    ).toBe(false);
  });

  it('resumes a call whose access token expired meanwhile, but takes no expired token for a new session', async () => {
    const token = await issuer.token(people.patient, { expiresIn: '2s' });
    const { patient: first, hello } = await patientInCall(token);

    // The token runs out during the call: a minute later (past jose's 30 s of allowed skew).
    vi.useFakeTimers({ now: Date.now() + 60_000, toFake: ['Date'] });
    try {
      first.socket.terminate();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const fresh = await SignalingClient.connect(server.url);
      clients.push(fresh);
      await expect(fresh.request('hello', { protocolVersion: 1, token })).rejects.toMatchObject({
        error: { code: 'unauthenticated', detail: 'token-expired' },
      });
      const again = await SignalingClient.connect(server.url);
      clients.push(again);
      const resumed = await again.request('hello', {
        protocolVersion: 1,
        token,
        resume: hello.resumeToken,
      });
      expect(resumed.resumed).toMatchObject({ state: 'joined' });
    } finally {
      vi.useRealTimers();
    }
  }, 20_000);

  it("never lets someone's resume token carry another person's expired token", async () => {
    const other = await book(server, issuer, people.secondClinician);
    const { patient, hello } = await patientInCall();
    const othersToken = await issuer.token(people.secondClinician, { expiresIn: '2s' });
    vi.useFakeTimers({ now: Date.now() + 60_000, toFake: ['Date'] });
    try {
      patient.socket.terminate();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const attacker = await SignalingClient.connect(server.url);
      clients.push(attacker);
      await expect(
        attacker.request('hello', {
          protocolVersion: 1,
          token: othersToken,
          resume: hello.resumeToken,
        }),
      ).rejects.toMatchObject({ error: { code: 'unauthenticated', detail: 'token-expired' } });
      expect(server.consultations.get(other.consultation.id)).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  }, 20_000);

  it('resumes a connection the server has not yet noticed to be dead, and only once', async () => {
    const { doctor, patient: first, token, hello, joined } = await patientInCall();

    // A new network (Wi-Fi to 4G): the old connection still looks open to the server.
    const closed = new Promise<number>((resolve) => first.socket.once('close', resolve));
    const [b, c] = await Promise.all([
      SignalingClient.connect(server.url),
      SignalingClient.connect(server.url),
    ]);
    clients.push(b, c);
    const answers = await Promise.all(
      [b, c].map((conn) =>
        conn.request('hello', { protocolVersion: 1, token, resume: hello.resumeToken }),
      ),
    );
    const resumed = answers.filter((answer) => answer.resumed?.state === 'joined');
    expect(resumed).toHaveLength(1);
    expect(resumed[0]?.resumed?.joined?.participantId).toBe(joined.participantId);
    expect(await closed).toBe(1001);
    // The doctor never saw the patient leave.
    await doctor.until('rosterChanged', ({ roster }) => roster.length === 2);
    expect(
      doctor.notifications.some(
        (n) =>
          n.notification === 'rosterChanged' &&
          (n.data as { roster: unknown[] }).roster.length === 1,
      ),
    ).toBe(false);
  });

  it('delivers what a dropped connection missed (a key envelope) once it resumes, after the hello answer', async () => {
    const { doctor, doctorJoined, patient: first, hello, joined } = await patientInCall();

    first.socket.terminate();
    // Let the server notice the drop (on loopback, well within this).
    await new Promise((resolve) => setTimeout(resolve, 300));
    // While the patient is away, the doctor's key (rotated, say) is sealed to her.
    const envelope = { sealed: 'while-you-were-away' };
    await doctor.request('relayKeys', { envelopes: [{ to: joined.participantId, envelope }] });

    const again = await SignalingClient.connect(server.url);
    clients.push(again);
    await again.request('hello', {
      protocolVersion: 1,
      token: await issuer.token(people.patient),
      resume: hello.resumeToken,
    });
    const missed = await again.waitFor('keyEnvelope');
    expect(missed).toEqual({ from: doctorJoined.participantId, envelope });
    await again.waitFor('rosterChanged');
    // Everything came after the hello answer, the key envelope before the fresh roster.
    const names = again.frames.map((text) => {
      const frame = JSON.parse(text) as { notification?: string };
      return frame.notification ?? 'response';
    });
    expect(names[0]).toBe('response');
    expect(names.indexOf('keyEnvelope')).toBeLessThan(names.indexOf('rosterChanged'));
  });

  it('ending closes every transport and the router, tells everyone, and nobody can return', async () => {
    const booking = await book(server, issuer, people.clinician, {
      mode: 'group',
      patients: [
        { name: people.patient.name, nationalId: people.patient.pid, displayName: 'A' },
        { name: people.secondPatient.name, nationalId: people.secondPatient.pid, displayName: 'B' },
      ],
    });
    const id = booking.consultation.id;
    const doctor = await client('clinician');
    await enterAsClinician(doctor, id);
    const admittedPatient = await client('patient');
    await arrive(admittedPatient, inviteSecret(booking, 0), true);
    await admit(doctor, admittedPatient, people.patient.name);
    await admittedPatient.request('createTransport', { direction: 'recv' });
    await admittedPatient.request('createTransport', { direction: 'send' });
    const waitingPatient = await client('secondPatient');
    await arrive(waitingPatient, inviteSecret(booking, 1), true);

    const room = localMediaRoom(server, id);
    const routerId = room.routerId;
    const worker = server.workers?.worker(room.workerSlot)?.worker;
    expect((await worker?.dump())?.routerIds).toContain(routerId);

    const told = [
      admittedPatient.waitFor('consultationEnded'),
      waitingPatient.waitFor('consultationEnded'),
    ];
    await doctor.request('end', {});
    await Promise.all(told);
    expect((await worker?.dump())?.routerIds).not.toContain(routerId);
    expect(server.consultations.get(id)).toBeUndefined();
    await expect(enterAsClinician(doctor, id)).rejects.toMatchObject({
      error: { code: 'consultation-ended' },
    });
    await expect(arrive(admittedPatient, inviteSecret(booking, 0), true)).rejects.toMatchObject({
      error: { code: 'consultation-ended' },
    });
    const summary = await api(server, issuer, people.clinician, 'GET', `/api/consultations/${id}`);
    expect(summary.body.consultation).toMatchObject({ status: 'ended' });
  });

  it('takes a participant whose network died off the roster within 10 s', async () => {
    const booking = await book(server, issuer, people.clinician);
    const doctor = await client('clinician');
    await enterAsClinician(doctor, booking.consultation.id);
    const patient = await client('patient');
    await arrive(patient, inviteSecret(booking));
    await admit(doctor, patient, people.patient.name);
    await doctor.waitFor('rosterChanged', ({ roster }) => roster.length === 2);
    // Stop reading the socket: no close frame, no pongs, as when a network dies.
    const started = performance.now();
    (patient.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    await doctor.waitFor('rosterChanged', ({ roster }) => roster.length === 1, 15_000);
    expect(performance.now() - started).toBeLessThan(10_500);
  }, 20_000);

  it('keeps consultations and an intact audit chain across a restart', async () => {
    const booking = await book(server, issuer, people.clinician, { title: 'Etter omstart' });
    const dataDir = server.config.dataDir;
    for (const c of clients.splice(0)) await c.close();
    await server.close();
    server = await startTestServer(testKeySource(issuer), { SKJERM_DATA_DIR: dataDir });
    const listed = await api(server, issuer, people.clinician, 'GET', '/api/consultations');
    expect((listed.body.consultations as { title: string }[]).map((c) => c.title)).toContain(
      'Etter omstart',
    );
    expect(server.audit.verify()).toMatchObject({ ok: true });
    // The chain continues: new entries link to the ones written before the restart.
    const doctor = await client('clinician');
    await enterAsClinician(doctor, booking.consultation.id);
    expect(server.audit.verify()).toMatchObject({ ok: true });
    const entries = server.audit.export(booking.consultation.id);
    expect(entries.map((e) => e.type)).toEqual(['consultation-created', 'joined']);
  });
});
