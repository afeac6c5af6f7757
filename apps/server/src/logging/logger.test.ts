import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, log: createLogger('info', stream) };
}

describe('the logger', () => {
  it('never writes tokens, key envelopes or national identity numbers', () => {
    const { lines, log } = capture();
    log.info(
      {
        token: 'eyJhbGciOiJFUzI1NiJ9.secret-token',
        participant: { nationalId: '01017012345', name: 'Kari Nordmann' },
        message: { envelope: { sealed: 'c2VhbGVkLWtleQ' } },
        authorization: 'Bearer eyJsecret',
      },
      'joined',
    );
    const output = lines.join('');
    expect(output).toContain('Kari Nordmann');
    for (const secret of ['secret-token', '01017012345', 'c2VhbGVkLWtleQ', 'eyJsecret']) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[redacted]');
  });

  it('strips tokens from logged request URLs', () => {
    const { lines, log } = capture();
    log.info({ req: { method: 'GET', url: '/ws?consultation=c1&token=eyJsecret' } }, 'upgrade');
    expect(lines.join('')).not.toContain('eyJsecret');
    expect(lines.join('')).toContain('consultation=c1');
  });
});

describe('the HTTP request logger', () => {
  it('logs request paths without their query strings (OAuth codes and hints live there)', async () => {
    const { default: fastify } = await import('fastify');
    const { httpLogger } = await import('../server.ts');
    let out = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        out += String(chunk);
        done();
      },
    });
    const app = fastify({ loggerInstance: httpLogger(createLogger('info', sink)) });
    app.get('/idp/auth', async () => 'ok');
    await app.inject({ url: '/idp/auth?code=SECRET-CODE&state=S&id_token_hint=eyJ' });
    await app.close();
    expect(out).toContain('"path":"/idp/auth"');
    expect(out).not.toContain('SECRET-CODE');
    expect(out).not.toContain('id_token_hint');
  });
});
