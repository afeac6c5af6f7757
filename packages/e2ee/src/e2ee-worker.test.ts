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

  describe('plaintext sampling (a test hook)', () => {
    const scope = globalThis as { SKJERM_TEST_HOOKS?: boolean };
    afterEach(() => {
      delete scope.SKJERM_TEST_HOOKS;
    });

    /** A frame stream the test feeds one frame at a time. */
    function feed() {
      let controller!: ReadableStreamDefaultController<Frame>;
      const readable = new ReadableStream<Frame>({
        start: (c) => {
          controller = c;
        },
      });
      return {
        readable,
        push: (bytes: Uint8Array) => controller.enqueue({ data: new Uint8Array(bytes).buffer }),
      };
    }

    it('does not understand the request without test hooks', async () => {
      const replies: E2eeWorkerReply[] = [];
      const worker = new E2eeWorker({ postMessage: (reply) => replies.push(reply) });
      await worker.handleMessage({ type: 'sample-plaintext', requestId: 1, count: 1 });
      expect(replies.map((r) => r.type)).toEqual(['error']);
      await expect(workerOverChannel().client.samplePlaintext(1)).rejects.toMatchObject({
        code: 'unsupported',
      });
    });

    it('sends back the next frames of each sender as they were before encryption', async () => {
      scope.SKJERM_TEST_HOOKS = true;
      const { worker, client } = workerOverChannel();
      client.apply([{ type: 'setSenderKey', kid: makeKid(1, 0), key: randomBaseKey() }]);
      await client.getStats();
      const senders = [feed(), feed()] as const;
      const sent: Frame[] = [];
      for (const sender of senders) {
        worker.attachTransformer({
          readable: sender.readable,
          writable: frameSink(sent),
          options: { direction: 'send', codec: 'opus', participantId: 'ana' },
        });
      }
      const receive = feed();
      worker.attachTransformer({
        readable: receive.readable,
        writable: frameSink([]),
        options: { direction: 'receive', codec: 'opus', participantId: 'bo' },
      });
      const sampling = client.samplePlaintext(1);
      // Answered after the sample request arrived: the frames below are the next ones.
      await client.getStats();
      const plain = [randomBytes(40), randomBytes(41)];
      receive.push(randomBytes(30));
      senders[0].push(plain[0] as Uint8Array);
      senders[1].push(plain[1] as Uint8Array);
      const frames = await sampling;
      expect(frames.map((f) => Buffer.from(f).toString('hex')).sort()).toEqual(
        plain.map((p) => Buffer.from(p).toString('hex')).sort(),
      );
      await until(() => sent.length === 2);
      // What left the worker is the ciphertext, not the sampled bytes.
      expect(sent.map((f) => f.data.byteLength).sort()).toEqual([40 + 4 + 16, 41 + 4 + 16]);
      client.dispose();
    });
  });
});
