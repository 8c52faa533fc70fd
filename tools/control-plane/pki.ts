import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Throwaway certificates for one local control plane: one CA signs the serving and client certificates. */
export interface Pki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(error)}`, { cause: error });
  }
}

/** `extraSans` (e.g. `IP:10.96.0.1`, `DNS:kubernetes.default.svc`) widen the serving certificate; a node needs them. */
export function createPki(dir: string, extraSans: string[] = []): Pki {
  mkdirSync(dir, { recursive: true });
  const pki: Pki = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
  openssl(dir, ['req', '-x509', ...ecKey, '-days', '7', '-subj', '/CN=kubernaut-local-ca', '-keyout', pki.caKey, '-out', pki.caCert]);
  const sans = ['DNS:localhost', 'IP:127.0.0.1', ...extraSans].join(',');
  signed(dir, 'apiserver', '/CN=localhost', `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`, pki);
  signed(dir, 'admin', '/O=system:masters/CN=kubernaut-admin', 'extendedKeyUsage=clientAuth\n', pki);
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', pki.serviceAccountKey]);
  openssl(dir, ['ec', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub]);
  return pki;
}

/** A client or serving certificate `<dir>/<name>.crt` (+ `.key`) signed by the control plane's CA. */
export function signed(dir: string, name: string, subject: string, extensions: string, pki: Pki): void {
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(dir, ['req', ...ecKey, '-subj', subject, '-keyout', join(dir, `${name}.key`), '-out', csr]);
  openssl(dir, [
    'x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', pki.caKey, '-CAcreateserial',
    '-days', '7', '-extfile', ext, '-out', join(dir, `${name}.crt`),
  ]);
}
