import { describe, expect, it } from 'vitest';
import {
  attachE2eeTransform,
  supportsEncodedTransform,
  UNSUPPORTED_BROWSER_MESSAGE,
} from './encoded-transform.ts';
import { E2eeError } from './errors.ts';
import type { E2eeTransformOptions } from './messages.ts';

const OPTIONS: E2eeTransformOptions = { direction: 'send', codec: 'vp8', participantId: 'ana' };

function fakeWorker() {
  const posted: { message: unknown; transfer: unknown[] }[] = [];
  return {
    posted,
    postMessage: (message: unknown, transfer: unknown[]) => void posted.push({ message, transfer }),
  };
}

describe('attachE2eeTransform', () => {
  it('refuses with a clear, typed error when the browser has neither encoded-transform API', () => {
    const sender = { transform: null };
    const attach = () => attachE2eeTransform(sender, fakeWorker(), OPTIONS, {});
    expect(attach).toThrow(E2eeError);
    expect(attach).toThrow(UNSUPPORTED_BROWSER_MESSAGE);
    try {
      attach();
    } catch (error) {
      expect((error as E2eeError).code).toBe('unsupported-browser');
    }
    expect(sender.transform).toBeNull();
    expect(supportsEncodedTransform(sender, {})).toBe(false);
  });

  it('prefers RTCRtpScriptTransform, handing the worker the transform options', () => {
    const created: unknown[][] = [];
    class FakeScriptTransform {
      constructor(...args: unknown[]) {
        created.push(args);
      }
    }
    const worker = fakeWorker();
    const streams = () => {
      throw new Error('createEncodedStreams must not be used');
    };
    const receiver: { transform?: unknown; createEncodedStreams: typeof streams } = {
      createEncodedStreams: streams,
    };
    attachE2eeTransform(
      receiver,
      worker,
      { ...OPTIONS, direction: 'receive' },
      {
        RTCRtpScriptTransform: FakeScriptTransform,
      },
    );
    expect(receiver.transform).toBeInstanceOf(FakeScriptTransform);
    expect(created).toEqual([
      [worker, { direction: 'receive', codec: 'vp8', participantId: 'ana' }],
    ]);
  });

  it('falls back to createEncodedStreams and transfers both streams to the worker', () => {
    const readable = new ReadableStream();
    const writable = new WritableStream();
    const worker = fakeWorker();
    attachE2eeTransform(
      { createEncodedStreams: () => ({ readable, writable }) },
      worker,
      OPTIONS,
      {},
    );
    expect(worker.posted).toEqual([
      {
        message: { type: 'stream', ...OPTIONS, readable, writable },
        transfer: [readable, writable],
      },
    ]);
  });
});
