import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8443,
      publicHostname: 'localhost',
      tls: undefined,
      mediaWorkers: availableParallelism(),
      logLevel: 'info',
    });
    expect(config.dataDir).toMatch(/\.data$/);
  });

  it('converts numeric variables and treats empty ones as unset', () => {
    const config = loadConfig({ SKJERM_PORT: '9443', SKJERM_MEDIA_WORKERS: '3', SKJERM_HOST: '' });
    expect(config.port).toBe(9443);
    expect(config.mediaWorkers).toBe(3);
    expect(config.host).toBe('127.0.0.1');
  });

  it.each([
    ['SKJERM_PORT', 'eighty'],
    ['SKJERM_PORT', '70000'],
    ['SKJERM_PORT', '1.5'],
    ['SKJERM_MEDIA_WORKERS', '-1'],
    ['SKJERM_LOG_LEVEL', 'loud'],
  ])('names %s when it is %j', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrowError(ConfigError);
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
      expect((error as ConfigError).message).toContain(variable);
      expect((error as ConfigError).message).toContain(JSON.stringify(value));
    }
  });

  it('requires a certificate and its key together', () => {
    expect(() => loadConfig({ SKJERM_TLS_CERT_FILE: '/etc/ssl/skjerm.crt' })).toThrowError(
      /SKJERM_TLS_KEY_FILE/,
    );
    const config = loadConfig({
      SKJERM_TLS_CERT_FILE: '/etc/ssl/skjerm.crt',
      SKJERM_TLS_KEY_FILE: '/etc/ssl/skjerm.key',
    });
    expect(config.tls).toEqual({ certFile: '/etc/ssl/skjerm.crt', keyFile: '/etc/ssl/skjerm.key' });
  });

  it('names the choices of a setting that has a few', () => {
    expect(() => loadConfig({ SKJERM_ROLE: 'bogus' })).toThrowError(
      'SKJERM_ROLE is "bogus": expected one of all, signaling, media',
    );
  });

  it('needs the cluster secret for the signaling and media roles, and a sane node id', () => {
    expect(loadConfig({}).cluster).toBeUndefined();
    expect(() => loadConfig({ SKJERM_ROLE: 'media' })).toThrowError(/SKJERM_CLUSTER_SECRET/);
    const secret = 'a-cluster-secret-of-enough-length-0123';
    const config = loadConfig({
      SKJERM_ROLE: 'media',
      SKJERM_CLUSTER_SECRET: secret,
      SKJERM_NODE_ID: 'media-7',
    });
    expect(config.role).toBe('media');
    expect(config.cluster).toMatchObject({ nodeId: 'media-7', port: 8444, capacity: undefined });
    expect(() =>
      loadConfig({
        SKJERM_ROLE: 'signaling',
        SKJERM_CLUSTER_SECRET: secret,
        SKJERM_NODE_ID: 'a:b',
      }),
    ).toThrowError(/SKJERM_NODE_ID/);
    expect(() =>
      loadConfig({
        SKJERM_ROLE: 'signaling',
        SKJERM_CLUSTER_SECRET: secret,
        SKJERM_REDIS_URL: 'http://user:pw@host',
      }),
    ).toThrowError(/^(?!.*pw).*SKJERM_REDIS_URL/);
  });
});
