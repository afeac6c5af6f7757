import { describe, expect, it } from 'vitest';
import {
  AUTH_TAG_BYTES,
  aesCmKeystream,
  deriveSessionKey,
  generateSrtpParameters,
  SrtpContext,
} from './srtp.ts';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function rtpPacket(sequence: number, ssrc: number, payload: Uint8Array): Buffer {
  const packet = Buffer.alloc(12 + payload.length);
  packet[0] = 0x80;
  packet[1] = 101;
  packet.writeUInt16BE(sequence, 2);
  packet.writeUInt32BE(sequence * 3000, 4);
  packet.writeUInt32BE(ssrc, 8);
  packet.set(payload, 12);
  return packet;
}

describe('SRTP AES_CM_128_HMAC_SHA1_80', () => {
  it('produces the AES-CM keystream of RFC 3711 Appendix B.2', () => {
    // RFC 3711 Appendix B.2: session key, the salt already shifted (SSRC, ROC and SEQ zero).
    const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
    const iv = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000');
    const keystream = aesCmKeystream(key, iv, 0xff02 * 16);
    expect(keystream.subarray(0, 48)).toEqual(
      hex(`E03EAD0935C95E80E166B16DD92B4EB4
           D23513162B02D0F72A43A2FE4A5F97AB
           41E95B3BB0A2E8DD477901E4FCA894C0`),
    );
    expect(keystream.subarray(0xfeff * 16)).toEqual(
      hex(`EC8CDF7398607CB0F2D21675EA9EA1E4
           362B7C3C6773516318A077D7FC5073AE
           6A2CC3787889374FBEB4C81B17BA6C44`),
    );
  });

  it('derives the session keys of RFC 3711 Appendix B.3', () => {
    // RFC 3711 Appendix B.3: master key and salt, then labels 0 (cipher key), 2 (cipher salt)
    // and 1 (the first 160 bits of the authentication key stream).
    const masterKey = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
    const masterSalt = hex('0EC675AD498AFEEBB6960B3AABE6');
    expect(deriveSessionKey(masterKey, masterSalt, 0, 16)).toEqual(
      hex('C61E7A93744F39EE10734AFE3FF7A087'),
    );
    expect(deriveSessionKey(masterKey, masterSalt, 2, 14)).toEqual(
      hex('30CBBC08863D8C85D49DB34A9AE1'),
    );
    expect(deriveSessionKey(masterKey, masterSalt, 1, 20)).toEqual(
      hex('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4'),
    );
  });

  it('round-trips RTP across a sequence number wrap, the header left in clear', () => {
    const parameters = generateSrtpParameters();
    const sender = new SrtpContext(parameters);
    const receiver = new SrtpContext(parameters);
    const payload = Buffer.from('a protected frame, or part of one');
    for (const sequence of [0xfffd, 0xfffe, 0xffff, 0, 1, 2]) {
      const plain = rtpPacket(sequence, 0x1234_5678, payload);
      const protectedPacket = sender.protectRtp(plain);
      expect(protectedPacket.length).toBe(plain.length + AUTH_TAG_BYTES);
      expect(protectedPacket.subarray(0, 12)).toEqual(plain.subarray(0, 12));
      expect(protectedPacket.subarray(12, plain.length)).not.toEqual(payload);
      expect(receiver.unprotectRtp(protectedPacket)).toEqual(plain);
    }
  });

  it('encrypts the same packet differently after the rollover counter moved', () => {
    const sender = new SrtpContext(generateSrtpParameters());
    const before = sender.protectRtp(rtpPacket(5, 1, Buffer.alloc(16)));
    for (const sequence of [0x8000, 0xffff, 4])
      sender.protectRtp(rtpPacket(sequence, 1, Buffer.alloc(16)));
    const after = sender.protectRtp(rtpPacket(5, 1, Buffer.alloc(16)));
    expect(after.subarray(12)).not.toEqual(before.subarray(12));
  });

  it('refuses a tampered packet or another key', () => {
    const parameters = generateSrtpParameters();
    const protectedPacket = new SrtpContext(parameters).protectRtp(
      rtpPacket(7, 9, Buffer.alloc(40)),
    );
    const tampered = Buffer.from(protectedPacket);
    tampered[20] = (tampered[20] as number) ^ 1;
    expect(new SrtpContext(parameters).unprotectRtp(tampered)).toBeUndefined();
    expect(new SrtpContext(generateSrtpParameters()).unprotectRtp(protectedPacket)).toBeUndefined();
  });

  it('round-trips SRTCP, the first 8 bytes in clear and the rest encrypted', () => {
    const parameters = generateSrtpParameters();
    // A Picture Loss Indication (RFC 4585 §6.3.1): PSFB, FMT 1, sender and media SSRC.
    const pli = hex('81CE0002 11111111 22222222');
    const sent = new SrtpContext(parameters).protectRtcp(pli);
    expect(sent.subarray(0, 8)).toEqual(pli.subarray(0, 8));
    expect(sent.subarray(8, 12)).not.toEqual(pli.subarray(8));
    expect(new SrtpContext(parameters).unprotectRtcp(sent)).toEqual(pli);
    sent[9] = (sent[9] as number) ^ 1;
    expect(new SrtpContext(parameters).unprotectRtcp(sent)).toBeUndefined();
  });
});
