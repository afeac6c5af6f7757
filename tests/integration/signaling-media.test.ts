import type { SkjermServer } from '@skjerm/server';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESUME_GRACE_AFTER_DROP_MS } from '../../apps/server/src/signaling/session.ts';
import { generateSrtpParameters, SrtpContext } from '../../bench/load/srtp.ts';
import {
  admit,
  arrive,
  book,
  e2eeKeys,
  enterAsClinician,
  inviteSecret,
  signIn,
} from '../support/consultations.ts';
import { PlainRtpPeer } from '../support/plain-rtp-peer.ts';
import { RequestRefused, SignalingClient } from '../support/signaling-client.ts';
import { localMediaRoom, startTestServer } from '../support/test-server.ts';
import { people, TestIssuer, testKeySource } from '../support/test-tokens.ts';
import { requireWorkerBinary } from '../support/worker-binary.ts';

const e2ee = e2eeKeys;

// Loopback only, tests only: the server's certificate is self-signed.
const insecureLoopbackAgent = new Agent({ connect: { rejectUnauthorized: false } });

let issuer: TestIssuer;
let server: SkjermServer;
const clients: SignalingClient[] = [];
const peers: PlainRtpPeer[] = [];

/** A booked consultation with the clinician in it and, unless `alone`, the patient admitted. */
async function consultation(options: { alone?: boolean } = {}) {
  const booking = await book(server, issuer, people.clinician);
  const id = booking.consultation.id;
  const clinician = await signIn(server, issuer, people.clinician);
  clients.push(clinician);
  const a = { client: clinician, joined: await enterAsClinician(clinician, id), id };
  if (options.alone) return { a, b: undefined, id };
  const patient = await signIn(server, issuer, people.patient);
  clients.push(patient);
  await arrive(patient, inviteSecret(booking));
  const b = { client: patient, joined: await admit(clinician, patient, people.patient.name) };
  return { a, b, id };
}

async function openPeer() {
  const peer = await PlainRtpPeer.open();
  peers.push(peer);
  return peer;
}

function auditTypes(consultationId: string): string[] {
  return server.audit.export(consultationId).map((entry) => entry.type);
}

describe('signaling and E2EE-only forwarding against a real server', () => {
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

  it('refuses every request before hello, and join twice', async () => {
    const client = await SignalingClient.connect(server.url);
    clients.push(client);
    await expect(
      client.request('join', { consultationId: 'c0', e2ee: e2ee(), rtpCapabilities: {} }),
    ).rejects.toMatchObject({ error: { code: 'out-of-order' } });
    await client.request('hello', {
      protocolVersion: 1,
      token: await issuer.token(people.clinician),
    });
    const { consultation: booked } = await book(server, issuer, people.clinician);
    await client.request('join', { consultationId: booked.id, e2ee: e2ee(), rtpCapabilities: {} });
    await expect(
      client.request('join', { consultationId: booked.id, e2ee: e2ee(), rtpCapabilities: {} }),
    ).rejects.toMatchObject({ error: { code: 'out-of-order' } });
  });

  it('forwards SFrame media with announced KIDs and tells everyone on the roster', async () => {
    const { a, b } = await consultation();
    if (!b) throw new Error('no patient');
    expect(b.joined.roster.map((member) => member.name)).toEqual([
      'Dr. Kari Nordmann',
      'Ola Pasient',
    ]);
    await a.client.waitFor('rosterChanged', ({ roster }) => roster.length === 2);

    const kid = a.joined.senderSlot * 0x1_0000;
    const sender = await PlainRtpPeer.sframeSender(kid);
    const { producerId, port, ssrc } = await PlainRtpPeer.produce(a.client, 'video', [kid]);
    const source = await openPeer();
    let stop = false;
    const sending = source.send(port, ssrc, {
      kind: 'video',
      sframe: sender,
      frames: 300,
      intervalMs: 10,
      stopped: () => stop,
    });

    const announced = await b.client.waitFor(
      'newProducer',
      (data) => data.producerId === producerId,
    );
    expect(announced).toMatchObject({ participantId: a.joined.participantId, kind: 'video' });
    const sink = await openPeer();
    const transportId = await sink.receiveTransport(b.client);
    const consumer = await b.client.request('consume', { transportId, producerId });
    await b.client.request('resumeConsumer', { consumerId: consumer.consumerId });
    const consumerSsrc = (consumer.rtpParameters as { encodings: { ssrc: number }[] }).encodings[0]
      ?.ssrc;
    await expect
      .poll(() => sink.received.filter((p) => p.ssrc === consumerSsrc).length, { timeout: 5000 })
      .toBeGreaterThan(20);
    stop = true;
    await sending;
    // What arrives is still ciphertext: VP8 descriptor (4 bytes), clear VP8 header, SFrame.
    const forwarded = sink.received.find((p) => p.ssrc === consumerSsrc);
    expect(forwarded?.payload.length).toBeGreaterThan(900);
  });

  it('forwards SFrame media over SRTP plain transports, each leg under its own key', async () => {
    const { a, b } = await consultation();
    if (!b) throw new Error('no patient');
    const kid = a.joined.senderSlot * 0x1_0000;
    const sender = await PlainRtpPeer.sframeSender(kid);
    const sendKey = generateSrtpParameters();
    const { producerId, port, ssrc } = await PlainRtpPeer.produce(
      a.client,
      'video',
      [kid],
      undefined,
      sendKey,
    );
    const source = await openPeer();
    let stop = false;
    const sending = source.send(port, ssrc, {
      kind: 'video',
      sframe: sender,
      frames: 300,
      intervalMs: 10,
      stopped: () => stop,
      srtp: new SrtpContext(sendKey),
    });
    // Announced once the server has unprotected the SRTP and found SFrame inside.
    await b.client.waitFor('newProducer', (data) => data.producerId === producerId);
    const sink = await openPeer();
    const transportId = await sink.receiveTransport(b.client, { srtp: true });
    const consumer = await b.client.request('consume', { transportId, producerId });
    await b.client.request('resumeConsumer', { consumerId: consumer.consumerId });
    const consumerSsrc = (consumer.rtpParameters as { encodings: { ssrc: number }[] }).encodings[0]
      ?.ssrc;
    // Every packet the sink records passed the SRTP tag check under the server's key.
    await expect
      .poll(() => sink.received.filter((p) => p.ssrc === consumerSsrc).length, { timeout: 5000 })
      .toBeGreaterThan(20);
    stop = true;
    await sending;
    expect(sink.srtpFailures).toBe(0);
    const forwarded = sink.received.find((p) => p.ssrc === consumerSsrc);
    // VP8 payload descriptor with a picture id, then the clear VP8 header and SFrame.
    expect(forwarded?.payload[0]).toBe(0x90);
    expect(forwarded?.payload.length).toBeGreaterThan(900);
  });

  it('refuses SRTP keys for a plain RTP transport and a key of the wrong length', async () => {
    const { a } = await consultation({ alone: true });
    const plain = await a.client.request('createTransport', { direction: 'send', type: 'plain' });
    await expect(
      a.client.request('connectTransport', {
        transportId: plain.transportId,
        srtpParameters: generateSrtpParameters(),
      }),
    ).rejects.toMatchObject({ error: { code: 'bad-request' } });
    const srtp = await a.client.request('createTransport', {
      direction: 'send',
      type: 'plain',
      srtp: true,
    });
    await expect(
      a.client.request('connectTransport', {
        transportId: srtp.transportId,
        srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: 'c2hvcnQ=' },
      }),
    ).rejects.toMatchObject({ error: { code: 'bad-request' } });
  });

  it('closes a producer that sends plaintext VP8 within 2 s, forwards none of it, and audits it', async () => {
    const { a, b, id } = await consultation();
    if (!b) throw new Error('no patient');
    const kid = a.joined.senderSlot * 0x1_0000;
    const { producerId, port, ssrc } = await PlainRtpPeer.produce(a.client, 'video', [kid]);
    const source = await openPeer();
    const started = performance.now();
    let stop = false;
    const sending = source.send(port, ssrc, {
      kind: 'video',
      frames: 300,
      intervalMs: 10,
      stopped: () => stop,
    });
    const closed = await a.client.waitFor(
      'producerClosed',
      (data) => data.producerId === producerId,
      5000,
    );
    const elapsed = performance.now() - started;
    stop = true;
    await sending;
    expect(closed.reason).toBe('not-e2ee');
    expect(elapsed).toBeLessThan(2000);
    expect(b.client.notifications.some((n) => n.notification === 'newProducer')).toBe(false);
    expect(auditTypes(id)).toContain('producer-rejected');
    const metrics = await server.metrics.registry.getSingleMetricAsString(
      'skjerm_rejected_producers_total',
    );
    expect(metrics).toMatch(/reason="unexpected-kid"\} [1-9]/);
  });

  it("refuses KIDs outside the sender's own slot and codecs other than Opus and VP8", async () => {
    const { a } = await consultation({ alone: true });
    const otherSlotKid = (a.joined.senderSlot + 1) * 0x1_0000;
    await expect(PlainRtpPeer.produce(a.client, 'video', [otherSlotKid])).rejects.toMatchObject({
      error: { code: 'forbidden' },
    });
    const transport = await a.client.request('createTransport', {
      direction: 'send',
      type: 'plain',
    });
    await expect(
      a.client.request('produce', {
        transportId: transport.transportId,
        kind: 'video',
        rtpParameters: {
          codecs: [{ mimeType: 'video/H264', payloadType: 102, clockRate: 90000 }],
          encodings: [{ ssrc: 5 }],
        },
        sframe: { cipherSuite: 4, kids: [a.joined.senderSlot * 0x1_0000] },
      }),
    ).rejects.toMatchObject({ error: { code: 'unsupported-media' } });
  });

  it('refuses simulcast producers (the SFrame guard checks one stream) and caps media objects per participant', async () => {
    const { a } = await consultation({ alone: true });
    const kid = a.joined.senderSlot * 0x1_0000;
    const send = await a.client.request('createTransport', { direction: 'send', type: 'plain' });
    await expect(
      a.client.request('produce', {
        transportId: send.transportId,
        kind: 'video',
        rtpParameters: {
          codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }],
          encodings: [{ ssrc: 11 }, { ssrc: 12 }],
        },
        sframe: { cipherSuite: 4, kids: [kid] },
      }),
    ).rejects.toMatchObject({ error: { code: 'unsupported-media' } });
    for (let i = 0; i < 3; i++) await a.client.request('createTransport', { direction: 'recv' });
    await expect(a.client.request('createTransport', { direction: 'recv' })).rejects.toMatchObject({
      error: { code: 'forbidden' },
    });
  });

  it('does not leave a waiting entry behind when the connection closes during join', async () => {
    const booking = await book(server, issuer, people.clinician);
    const doctor = await signIn(server, issuer, people.clinician);
    clients.push(doctor);
    await enterAsClinician(doctor, booking.consultation.id);
    const patient = await signIn(server, issuer, people.patient);
    patient.sendRaw(
      JSON.stringify({
        id: 77,
        method: 'join',
        params: { invite: inviteSecret(booking), e2ee: e2ee(), rtpCapabilities: {} },
      }),
    );
    patient.socket.terminate();
    await new Promise((resolve) => setTimeout(resolve, RESUME_GRACE_AFTER_DROP_MS + 500));
    expect(server.consultations.get(booking.consultation.id)?.waitingList()).toEqual([]);
  }, 20_000);

  it('puts all WebRTC media of a worker on its one fixed UDP and TCP port', async () => {
    const { a } = await consultation({ alone: true });
    const transport = await a.client.request('createTransport', { direction: 'send' });
    if (!('iceCandidates' in transport)) throw new Error('expected a WebRTC transport');
    const candidates = transport.iceCandidates as { protocol: string; ip: string; port: number }[];
    const port = server.config.media.portBase + localMediaRoom(server, a.id).workerSlot;
    expect(candidates.map(({ protocol, ip, port }) => `${protocol} ${ip}:${port}`).sort()).toEqual([
      `tcp 127.0.0.1:${port}`,
      `udp 127.0.0.1:${port}`,
    ]);
  });

  it('relays key envelopes only to roster members, with the sender named by the server', async () => {
    const { a, b } = await consultation();
    if (!b) throw new Error('no patient');
    const { a: outsider } = await consultation({ alone: true });
    const envelope = { v: 1, kid: 65536, ciphertext: 'opaque' };
    const { delivered } = await a.client.request('relayKeys', {
      envelopes: [
        { to: b.joined.participantId, envelope },
        { to: outsider.joined.participantId, envelope },
      ],
    });
    expect(delivered).toBe(1);
    expect(await b.client.waitFor('keyEnvelope')).toEqual({
      from: a.joined.participantId,
      envelope,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(outsider.client.notifications.some((n) => n.notification === 'keyEnvelope')).toBe(false);
  });

  it('answers rate-limited to a flood and then disconnects it', async () => {
    const client = await SignalingClient.connect(server.url);
    clients.push(client);
    for (let i = 0; i < 2000 && client.closeCode === undefined; i++) {
      client.sendRaw(JSON.stringify({ id: i, method: 'leave', params: {} }));
      if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await expect.poll(() => client.closeCode, { timeout: 5000 }).toBe(1008);
    expect(client.rawResponses.some((r) => r.error?.code === 'rate-limited')).toBe(true);
  });

  it('recovers a room when its worker process is killed', async () => {
    const { a, b, id } = await consultation();
    if (!b) throw new Error('no patient');
    const slot = localMediaRoom(server, id).workerSlot;
    const pid = server.workers?.worker(slot)?.worker.pid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid as number, 'SIGKILL');
    await a.client.waitFor('mediaReset');
    await b.client.waitFor('mediaReset');

    const kid = a.joined.senderSlot * 0x1_0000;
    const { producerId, port, ssrc } = await PlainRtpPeer.produce(a.client, 'audio', [kid]);
    const source = await openPeer();
    let stop = false;
    const sending = source.send(port, ssrc, {
      kind: 'audio',
      sframe: await PlainRtpPeer.sframeSender(kid),
      frames: 500,
      intervalMs: 10,
      stopped: () => stop,
    });
    await b.client.waitFor('newProducer', (data) => data.producerId === producerId);
    const sink = await openPeer();
    const transportId = await sink.receiveTransport(b.client);
    const consumer = await b.client.request('consume', { transportId, producerId });
    await b.client.request('resumeConsumer', { consumerId: consumer.consumerId });
    await expect.poll(() => sink.received.length, { timeout: 5000 }).toBeGreaterThan(10);
    stop = true;
    await sending;
    expect(server.workers?.worker(slot)?.worker.pid).not.toBe(pid);
  });

  it('shows everyone on the roster that a participant paused its own audio, and resumed it', async () => {
    const { a: doctor, b } = await consultation();
    const patient = b?.client as SignalingClient;
    const doctorId = doctor.joined.participantId;
    const audioOf = (roster: readonly { participantId: string; audio: boolean }[]) =>
      roster.find((member) => member.participantId === doctorId)?.audio;

    const kid = doctor.joined.senderSlot * 0x1_0000;
    const { producerId, port, ssrc } = await PlainRtpPeer.produce(doctor.client, 'audio', [kid]);
    const source = await openPeer();
    let stop = false;
    const sending = source.send(port, ssrc, {
      kind: 'audio',
      sframe: await PlainRtpPeer.sframeSender(kid),
      frames: 1000,
      intervalMs: 20,
      stopped: () => stop,
    });
    try {
      await patient.until('rosterChanged', ({ roster }) => audioOf(roster) === true);
      await doctor.client.request('setProducerPaused', { producerId, paused: true });
      const off = await patient.until('rosterChanged', ({ roster }) => audioOf(roster) === false);
      expect(off.roster.find((m) => m.participantId === doctorId)?.video).toBe(false);
      await doctor.client.request('setProducerPaused', { producerId, paused: false });
      await patient.until('rosterChanged', ({ roster }) => audioOf(roster) === true);
      // The producer's owner hears of it too: its own roster is the same.
      await doctor.client.until('rosterChanged', ({ roster }) => audioOf(roster) === true);
    } finally {
      stop = true;
      await sending;
    }
  });

  it('refuses an expired token and a too-low assurance patient over the WebSocket, then hangs up', async () => {
    const expiredClient = await SignalingClient.connect(server.url);
    clients.push(expiredClient);
    const expired = await issuer.token(people.clinician, { expiresIn: '-1m' });
    await expect(
      expiredClient.request('hello', { protocolVersion: 1, token: expired }),
    ).rejects.toMatchObject({
      error: { code: 'unauthenticated', detail: 'token-expired' },
    });
    await expect.poll(() => expiredClient.closeCode).toBe(1008);
    const lowClient = await SignalingClient.connect(server.url);
    clients.push(lowClient);
    const low = await issuer.token(people.lowAssurancePatient);
    const refusal = lowClient.request('hello', { protocolVersion: 1, token: low });
    await expect(refusal).rejects.toBeInstanceOf(RequestRefused);
    await expect(refusal).rejects.toMatchObject({
      error: { code: 'unauthenticated', detail: 'assurance-too-low' },
    });
  });

  it('exports Prometheus metrics for workers, rooms, media objects and refusals', async () => {
    const response = await fetch(`${server.url.replace('localhost', '127.0.0.1')}/metrics`, {
      dispatcher: insecureLoopbackAgent,
    });
    const text = await response.text();
    for (const name of [
      'skjerm_media_workers 1',
      'skjerm_worker_cpu_seconds_total{slot="0"}',
      'skjerm_rooms ',
      'skjerm_transports ',
      'skjerm_producers ',
      'skjerm_consumers ',
      'skjerm_bitrate_bits_per_second{direction="recv"}',
      'skjerm_rejected_producers_total{reason="unexpected-kid"} 1',
      'skjerm_auth_failures_total{code="token-expired"} 1',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('tells connected clients when the server shuts down', async () => {
    const {
      a: { client },
    } = await consultation({ alone: true });
    const shutdown = client.waitFor('serverShutdown');
    await server.close();
    await shutdown;
    await expect.poll(() => client.closeCode).toBe(1001);
  });
});
