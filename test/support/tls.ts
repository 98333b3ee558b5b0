import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificate {
  /** PEM files. */
  caFile: string;
  keyFile: string;
  certFile: string;
  /** The CA certificate, for clients that take it as text. */
  ca: string;
}

/** Makes a test CA with the openssl CLI, in `dir`. */
export async function makeTestCa(dir: string): Promise<{ caFile: string; caKey: string; ca: string }> {
  const caFile = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  await openssl(['req', '-x509', ...ecKey(caKey), '-out', caFile, '-days', '2', '-subj', '/CN=Sluice Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { caFile, caKey, ca: await readFile(caFile, 'utf8') };
}

/** Issues a server certificate for 127.0.0.1 and localhost, signed by the CA; `name` is its CN and file prefix. */
export async function issueServerCertificate(dir: string, ca: { caFile: string; caKey: string; ca: string }, name: string): Promise<TestCertificate> {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  await openssl(['req', '-new', ...ecKey(keyFile), '-out', csr, '-subj', `/CN=${name}`]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.caFile, '-CAkey', ca.caKey, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', ext]);
  return { caFile: ca.caFile, keyFile, certFile, ca: ca.ca };
}

function ecKey(keyFile: string): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args);
}
