import { afterEach, describe, expect, it } from 'vitest';
import { E2eeWorker } from './e2ee-worker.ts';
import { attachE2eeTransform } from './encoded-transform.ts';
import { makeKid } from './kid.ts';
import type { E2eeWorkerReply } from './messages.ts';
import { randomBaseKey } from './ratchet.ts';
import { randomBytes } from './test-helpers.fixture.ts';
import { E2eeWorkerClient } from './worker-client.ts';

interface Frame {
  data: ArrayBuffer;
}

const channels: MessageChannel[] = [];

/** An E2eeWorker behind a real MessageChannel, as a worker script would run it. */
function workerOverChannel() {
  const channel = new MessageChannel();
  channels.push(channel);
  const replies: E2eeWorkerReply[] = [];
  const worker = new E2eeWorker({
    postMessage: (reply) => {
      replies.push(reply);
      channel.port2.postMessage(reply);
    },
  });
  channel.port2.onmessage = (event) => void worker.handleMessage(event.data);
  channel.port1.start();
  return { worker, port: channel.port1, replies, client: new E2eeWorkerClient(channel.port1) };
}

function frameSource(frames: readonly Uint8Array[]) {
  return new ReadableStream<Frame>({
    start(controller) {
      for (const f of frames) controller.enqueue({ data: new Uint8Array(f).buffer });
      controller.close();
    },
  });
}

function frameSink(out: Frame[]) {
  return new WritableStream<Frame>({ write: (frame) => void out.push(frame) });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

afterEach(() => {
  for (const channel of channels.splice(0)) {
    channel.port1.close();
    channel.port2.close();
  }
});

describe('E2eeWorker message protocol', () => {
  it('applies key messages in order and answers stats requests by request id', async () => {
    const { client } = workerOverChannel();
    const key = randomBaseKey();
    client.apply([
      { type: 'setSenderKey', kid: makeKid(1, 0), key: randomBaseKey() },
      { type: 'setSenderKey', kid: makeKid(1, 1), key: randomBaseKey() },
      { type: 'setReceiverKey', participantId: 'bo', kid: makeKid(2, 4), key },
    ]);
    expect(key.byteLength).toBe(0); // transferred: no copy of the key left on the main thread
    const [first, second] = await Promise.all([client.getStats(), client.getStats()]);
    expect(first).toEqual(second);
    expect(first.sendKid).toBe(makeKid(1, 1));
    expect(first.receiveKids).toEqual([makeKid(2, 4)]);
    expect(first.framesDropped['unknown-kid']).toBe(0);
    client.apply([{ type: 'removeSender', participantId: 'bo', senderSlot: 2 }]);
    expect((await client.getStats()).receiveKids).toEqual([]);
    client.dispose();
  });

  it('encrypts frames of streams transferred by the createEncodedStreams fallback and counts them', async () => {
    const { client, port } = workerOverChannel();
    client.apply([{ type: 'setSenderKey', kid: makeKid(1, 0), key: randomBaseKey() }]);
    const out: Frame[] = [];
    const plain = [randomBytes(40), randomBytes(41)];
    attachE2eeTransform(
      { createEncodedStreams: () => ({ readable: frameSource(plain), writable: frameSink(out) }) },
      port,
      { direction: 'send', codec: 'opus', participantId: 'ana' },
      {},
    );
    await until(() => out.length === 2);
    expect(out.map((f) => f.data.byteLength)).toEqual(plain.map((p) => p.length + 4 + 16));
    const stats = await client.getStats();
    expect(stats.framesEncrypted).toBe(2);
    client.dispose();
  });

  it('runs an RTCRtpScriptTransformer given by the rtctransform event', async () => {
    const replies: E2eeWorkerReply[] = [];
    const worker = new E2eeWorker({ postMessage: (reply) => replies.push(reply) });
    const out: Frame[] = [];
    worker.attachTransformer({
      readable: frameSource([randomBytes(30)]),
      writable: frameSink(out),
      options: { direction: 'receive', codec: 'audio/opus', participantId: 'bo' },
    });
    await until(() => worker.getStats().framesDropped['unknown-kid'] === 1);
    expect(out).toEqual([]);
    expect(replies).toEqual([]);
  });

  it('reports unusable transform options and unknown messages, and lets no frame through', async () => {
    const replies: E2eeWorkerReply[] = [];
    const worker = new E2eeWorker({ postMessage: (reply) => replies.push(reply) });
    const readable = frameSource([randomBytes(30)]);
    worker.attachTransformer({
      readable,
      writable: frameSink([]),
      options: { direction: 'send', codec: 'video/H264', participantId: 'ana' },
    });
    await worker.handleMessage({ type: 'launchMissiles' });
    expect(replies.map((r) => r.type)).toEqual(['error', 'error']);
    expect(readable.locked).toBe(false);
  });
});
