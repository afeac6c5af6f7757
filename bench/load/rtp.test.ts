import { describe, expect, it } from 'vitest';
import { asksForKeyFrame, isRtcp, readRtp, writeRtpHeader } from './rtp.ts';

function packet(payload: number[]): Uint8Array {
  const bytes = new Uint8Array(12 + payload.length);
  writeRtpHeader(bytes, {
    payloadType: 101,
    marker: true,
    sequenceNumber: 0xfffe,
    timestamp: 0x8000_0001,
    ssrc: 0xdead_beef,
  });
  bytes.set(payload, 12);
  return bytes;
}

describe('RTP header', () => {
  it('reads back what it wrote', () => {
    const view = readRtp(packet([1, 2, 3]));
    expect(view).toEqual({
      ssrc: 0xdead_beef,
      sequenceNumber: 0xfffe,
      marker: true,
      payloadStart: 12,
      payloadEnd: 15,
    });
  });

  it('skips a header extension and padding the SFU adds', () => {
    const bytes = packet([0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0, 7, 8, 9, 0, 0, 3]);
    bytes[0] = 0x80 | 0x10 | 0x20; // extension and padding bits
    const view = readRtp(bytes);
    expect(view?.payloadStart).toBe(12 + 8);
    expect(view && [...bytes.subarray(view.payloadStart, view.payloadEnd)]).toEqual([7, 8, 9]);
  });

  it('takes RTCP sharing the port for RTCP, not RTP', () => {
    const receiverReport = Uint8Array.of(0x80, 201, 0, 1, 0, 0, 0, 1);
    expect(readRtp(receiverReport)).toBeUndefined();
    expect(isRtcp(receiverReport)).toBe(true);
    expect(isRtcp(packet([1]))).toBe(false);
  });
});

describe('key frame requests', () => {
  const rr = [0x80, 201, 0, 1, 0, 0, 0, 1];
  const pli = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
  const fir = [0x84, 206, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0];
  const nack = [0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 5, 0, 0];

  it('finds a PLI or a FIR anywhere in a compound packet', () => {
    expect(asksForKeyFrame(Uint8Array.from([...rr, ...pli]))).toBe(true);
    expect(asksForKeyFrame(Uint8Array.from([...rr, ...fir]))).toBe(true);
  });

  it('ignores reports and NACKs', () => {
    expect(asksForKeyFrame(Uint8Array.from([...rr, ...nack]))).toBe(false);
  });
});
