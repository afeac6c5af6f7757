import { createHmac } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { IceServer } from '@skjerm/protocol';
import { describe, expect, it } from 'vitest';
import { TurnCredentials, turnRestCredential } from './turn-credentials.ts';

const secret = 'north-sea-shared-secret';
const sessionId = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
/** 2026-01-01T00:00:00Z */
const newYear2026 = 1767225600;

describe('turnRestCredential', () => {
  it('matches a credential computed independently with OpenSSL', () => {
    // Computed outside Node with:
    //   printf '%s' '1767225600:3f2504e0-4f89-41d3-9a0c-0305e82c3301' \
    //     | openssl dgst -sha1 -hmac 'north-sea-shared-secret' -binary | openssl base64
    expect(turnRestCredential(secret, sessionId, newYear2026)).toEqual({
      username: '1767225600:3f2504e0-4f89-41d3-9a0c-0305e82c3301',
      credential: 'G9GxDWCREJWoUQrpCnwAdHg8bms=',
    });
  });

  it('puts the expiry first and the id after a colon, as coturn splits it', () => {
    const { username } = turnRestCredential(secret, 'abc', 42);
    expect(username).toBe('42:abc');
  });

  it('gives a different credential for another secret, expiry or id', () => {
    const base = turnRestCredential(secret, sessionId, newYear2026).credential;
    expect(turnRestCredential(`${secret}x`, sessionId, newYear2026).credential).not.toBe(base);
    expect(turnRestCredential(secret, sessionId, newYear2026 + 1).credential).not.toBe(base);
    expect(turnRestCredential(secret, `${sessionId}x`, newYear2026).credential).not.toBe(base);
  });

  it('refuses ids with the separator and expiries that are not whole seconds', () => {
    expect(() => turnRestCredential(secret, 'a:b', newYear2026)).toThrow(RangeError);
    expect(() => turnRestCredential(secret, sessionId, 1.5)).toThrow(RangeError);
    expect(() => turnRestCredential(secret, sessionId, -1)).toThrow(RangeError);
  });
});

describe('TurnCredentials', () => {
  const config = {
    urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'],
    secret,
    ttlSeconds: 43200,
  };

  it('hands out no ICE servers when TURN is not configured', () => {
    const turn = new TurnCredentials(undefined);
    expect(turn.enabled).toBe(false);
    expect(turn.iceServers(sessionId)).toEqual([]);
  });

  it('hands out every URL with a credential naming the session and expiring after the TTL', () => {
    const turn = new TurnCredentials(config, () => newYear2026 * 1000 + 999);
    const [server, ...others] = turn.iceServers(sessionId);
    expect(others).toEqual([]);
    expect(server?.urls).toEqual(config.urls);
    expect(server?.username).toBe(`${newYear2026 + 43200}:${sessionId}`);
    expect(server?.credential).toBe(
      createHmac('sha1', secret)
        .update(server?.username ?? '')
        .digest('base64'),
    );
  });

  it('issues ICE servers that the protocol schema accepts', () => {
    const [server] = new TurnCredentials(config).iceServers(sessionId);
    expect(Value.Check(IceServer, server)).toBe(true);
  });

  it('does not reveal the secret when serialised', () => {
    const turn = new TurnCredentials(config);
    expect(JSON.stringify(turn)).not.toContain(secret);
    expect(JSON.stringify(turn.iceServers(sessionId))).not.toContain(secret);
  });
});
