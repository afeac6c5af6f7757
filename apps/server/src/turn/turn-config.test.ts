import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/config.ts';

const secret = 'x'.repeat(32);

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the configuration');
}

describe('TURN configuration', () => {
  it('is off unless URLs are set, and then needs no secret', () => {
    expect(loadConfig({}).turn).toBeUndefined();
    expect(loadConfig({ SKJERM_TURN_SECRET: secret }).turn).toBeUndefined();
  });

  it('reads comma-separated URLs, the secret and a twelve-hour default lifetime', () => {
    const config = loadConfig({
      SKJERM_TURN_URLS:
        'turn:turn.example.org:3478?transport=udp, turns:turn.example.org:443?transport=tcp,turn:[2001:db8::1]',
      SKJERM_TURN_SECRET: secret,
    });
    expect(config.turn).toEqual({
      urls: [
        'turn:turn.example.org:3478?transport=udp',
        'turns:turn.example.org:443?transport=tcp',
        'turn:[2001:db8::1]',
      ],
      secret,
      ttlSeconds: 43200,
    });
  });

  it.each([
    'stun:turn.example.org',
    'https://turn.example.org',
    'turn:turn.example.org:3478?transport=sctp',
    'turn:user@turn.example.org',
  ])('refuses the URL %j', (url) => {
    const error = configError({ SKJERM_TURN_URLS: url, SKJERM_TURN_SECRET: secret });
    expect(error.variable).toBe('SKJERM_TURN_URLS');
    expect(error.message).toContain(url);
  });

  it('requires a secret of at least 32 characters with URLs, and never prints it', () => {
    const url = 'turn:turn.example.org';
    expect(configError({ SKJERM_TURN_URLS: url }).variable).toBe('SKJERM_TURN_SECRET');
    const short = configError({ SKJERM_TURN_URLS: url, SKJERM_TURN_SECRET: 'hunter2-hunter2' });
    expect(short.variable).toBe('SKJERM_TURN_SECRET');
    expect(short.message).not.toContain('hunter2');
  });

  it('bounds the credential lifetime', () => {
    const env = { SKJERM_TURN_URLS: 'turn:turn.example.org', SKJERM_TURN_SECRET: secret };
    expect(loadConfig({ ...env, SKJERM_TURN_TTL_SECONDS: '3600' }).turn?.ttlSeconds).toBe(3600);
    expect(configError({ ...env, SKJERM_TURN_TTL_SECONDS: '60' }).variable).toBe(
      'SKJERM_TURN_TTL_SECONDS',
    );
  });
});
