import { randomBytes } from 'node:crypto';

/**
 * A session's local ICE ufrag: eight random hex digits, then its worker's index in two base-36
 * digits. Under workers, whichever worker reads a connectivity check (the kernel spreads the
 * shared UDP port's peers by address) knows from the ufrag alone which worker holds the session.
 */
export function sessionUfrag(worker: number): string {
  return randomBytes(4).toString('hex') + worker.toString(36).padStart(2, '0');
}

/** The worker a local ufrag (or a `ufrag:remote` session id) belongs to; undefined for one not made here. */
export function ufragWorker(ufrag: string): number | undefined {
  const local = ufrag.split(':')[0] ?? '';
  if (!/^[0-9a-f]{8}[0-9a-z]{2}$/u.test(local)) return undefined;
  const worker = parseInt(local.slice(-2), 36);
  return worker > 0 ? worker : undefined;
}
