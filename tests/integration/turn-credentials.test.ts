/**
 * Skjerm's TURN credentials against a real coturn (Debian's package), configured from
 * infra/coturn/turnserver.conf and listening on 127.0.0.1 only: a credential from the server's
 * generator allocates a relay; a wrong password, a credential signed with another secret, an
 * expired one and one whose expiry was edited are refused; and the production file's peer
 * rules let the relay reach only the allowed media address. (Permissions send nothing to the
 * peer: no packet leaves 127.0.0.1.)
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TurnCredentials,
  turnRestCredential,
} from '../../apps/server/src/turn/turn-credentials.ts';
import { type Coturn, startCoturn } from '../support/coturn.ts';
import { TurnClient } from '../support/turn-client.ts';

const secret = randomBytes(32).toString('base64');
let coturn: Coturn;

beforeAll(async () => {
  coturn = await startCoturn(secret);
});

afterAll(async () => {
  await coturn?.stop();
});

async function allocate(username: string, password: string) {
  const client = await TurnClient.open({ address: coturn.address, port: coturn.port });
  try {
    return await client.allocate(username, password);
  } finally {
    await client.close();
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('TURN credentials with coturn', () => {
  it('allocates a relay on 127.0.0.1 with the ICE server Skjerm hands out', async () => {
    const turn = new TurnCredentials({ urls: [coturn.url], secret, ttlSeconds: 600 });
    const [server] = turn.iceServers('3f2504e0-4f89-41d3-9a0c-0305e82c3301');
    expect(server?.urls).toEqual([coturn.url]);
    const outcome = await allocate(server?.username ?? '', server?.credential ?? '');
    expect(outcome, coturn.log()).toMatchObject({ ok: true, relayed: { address: '127.0.0.1' } });
  });

  it('refuses a wrong password', async () => {
    const { username } = turnRestCredential(secret, 'session-a', nowSeconds() + 600);
    expect(await allocate(username, 'not-the-credential')).toMatchObject({ ok: false, code: 401 });
  });

  it('refuses a credential signed with another secret', async () => {
    const other = randomBytes(32).toString('base64');
    const { username, credential } = turnRestCredential(other, 'session-b', nowSeconds() + 600);
    expect(await allocate(username, credential)).toMatchObject({ ok: false, code: 401 });
  });

  it('refuses a credential whose expiry has passed', async () => {
    const { username, credential } = turnRestCredential(secret, 'session-c', nowSeconds() - 5);
    expect(await allocate(username, credential)).toMatchObject({ ok: false, code: 401 });
  });

  it('refuses a credential whose expiry was moved later by the client', async () => {
    const { username, credential } = turnRestCredential(secret, 'session-d', nowSeconds() - 5);
    const extended = username.replace(/^\d+/, String(nowSeconds() + 3600));
    expect(await allocate(extended, credential)).toMatchObject({ ok: false, code: 401 });
  });

  it('relays only to the allowed media address, never into private or loopback ranges', async () => {
    const turn = new TurnCredentials({ urls: [coturn.url], secret, ttlSeconds: 600 });
    const [server] = turn.iceServers('session-e');
    const client = await TurnClient.open({ address: coturn.address, port: coturn.port });
    try {
      expect(await client.allocate(server?.username ?? '', server?.credential ?? '')).toMatchObject(
        {
          ok: true,
        },
      );
      // 127.0.0.1 stands for the media node: allowed-peer-ip (with allow-loopback-peers).
      expect(await client.createPermission('127.0.0.1')).toEqual({ ok: true });
      for (const peer of [
        '127.0.0.2',
        '10.1.2.3',
        '172.16.0.1',
        '192.168.1.1',
        '169.254.169.254',
      ]) {
        expect(await client.createPermission(peer), peer).toMatchObject({ ok: false, code: 403 });
      }
    } finally {
      await client.close();
    }
  });

  it('accepts credentials under the old and the new secret while both are configured (rotation)', async () => {
    const next = randomBytes(32).toString('base64');
    const rotating = await startCoturn([secret, next], 2);
    try {
      for (const [key, expected] of [
        [secret, true],
        [next, true],
        [randomBytes(32).toString('base64'), false],
      ] as const) {
        const { username, credential } = turnRestCredential(key, 'session-f', nowSeconds() + 600);
        const client = await TurnClient.open({ address: rotating.address, port: rotating.port });
        try {
          expect((await client.allocate(username, credential)).ok).toBe(expected);
        } finally {
          await client.close();
        }
      }
    } finally {
      await rotating.stop();
    }
  });
});
