import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { generate } from 'selfsigned';
import type { ServerConfig } from '../config/config.ts';

export interface TlsMaterial {
  key: string;
  cert: string;
  selfSigned: boolean;
}

/**
 * The operator's certificate when configured; otherwise a self-signed one for the public host
 * name, made once and kept in the data folder so browsers that accepted it keep working.
 */
export async function loadTlsMaterial(config: ServerConfig, log: Logger): Promise<TlsMaterial> {
  if (config.tls) {
    const [cert, key] = await Promise.all([
      readFile(config.tls.certFile, 'utf8'),
      readFile(config.tls.keyFile, 'utf8'),
    ]);
    return { cert, key, selfSigned: false };
  }
  const dir = join(config.dataDir, 'tls');
  const certFile = join(dir, `${config.publicHostname}.crt`);
  const keyFile = join(dir, `${config.publicHostname}.key`);
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { cert, key, selfSigned: true };
  } catch {
    // not made yet
  }
  log.info(
    { certFile },
    'making a self-signed TLS certificate (set SKJERM_TLS_CERT_FILE for a real one)',
  );
  const notBeforeDate = new Date();
  const notAfterDate = new Date(notBeforeDate);
  notAfterDate.setFullYear(notAfterDate.getFullYear() + 1);
  const pems = await generate([{ name: 'commonName', value: config.publicHostname }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: config.publicHostname },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyFile, pems.private, { mode: 0o600 });
  await writeFile(certFile, pems.cert);
  return { cert: pems.cert, key: pems.private, selfSigned: true };
}
