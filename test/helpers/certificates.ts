import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempHome } from './tmp.js';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  ca: Buffer;
}

const openssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/** A new P-256 key, unencrypted. */
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** The test CA in `dir` signs `<name>.csr` into `<name>.pem`, for two days, with the extensions in `extfile`. */
const signWithCa = (dir: string, name: string, extfile: string) =>
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    extfile,
  );

/** A throw-away CA and a server certificate for 127.0.0.1 and localhost it signed (P-256), made with openssl. */
export function makeTestPki(): TestPki {
  const dir = tempHome('mcp-pa-pki-');
  openssl(dir, 'req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=mcp-pa test CA');
  openssl(dir, 'req', ...EC_KEY, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signWithCa(dir, 'server', 'server.ext');
  const file = (name: string) => path.join(dir, name);
  return { dir, caCert: file('ca.pem'), serverCert: file('server.pem'), serverKey: file('server.key'), ca: fs.readFileSync(file('ca.pem')) };
}

export interface ClientCertificate {
  cert: Buffer;
  key: Buffer;
}

/**
 * A client certificate (P-256) with this subject, signed by the PKI's CA, or self-signed (a
 * certificate from no CA the server trusts).
 */
export function makeClientCertificate(pki: TestPki, subject: string, options: { selfSigned?: boolean; dns?: string } = {}): ClientCertificate {
  const name = `client-${fs.readdirSync(pki.dir).length}`;
  const ext = path.join(pki.dir, `${name}.ext`);
  fs.writeFileSync(ext, `extendedKeyUsage=clientAuth\n${options.dns ? `subjectAltName=DNS:${options.dns}\n` : ''}`);
  if (options.selfSigned) {
    openssl(
      pki.dir,
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      subject,
      '-addext',
      'extendedKeyUsage=clientAuth',
    );
  } else {
    openssl(pki.dir, 'req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    signWithCa(pki.dir, name, ext);
  }
  return { cert: fs.readFileSync(path.join(pki.dir, `${name}.pem`)), key: fs.readFileSync(path.join(pki.dir, `${name}.key`)) };
}
