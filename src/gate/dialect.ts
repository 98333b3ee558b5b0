import type { HookCaller } from './caller.js';
import type { ServerIdentity, StreamIds } from './identity.js';
import type { Gate, RecordingEvents } from './types.js';

/** One callback block of one vhost; it handles the events its dialect knows. */
export type DialectHandler = Partial<Gate & RecordingEvents> & {
  /** Stops timers (on_update); the gate closes the shared pool and outbox itself. */
  close?(): void;
};

/** What every dialect handler is built with. */
export interface DialectContext {
  caller: HookCaller;
  identity: ServerIdentity;
  streamIds: StreamIds;
  now: () => number;
}

/** Statuses and bodies quoted in refusal reasons are cut to this many characters. */
const QUOTE_CHARS = 80;

export function quote(body: string): string {
  return JSON.stringify(body.length > QUOTE_CHARS ? `${body.slice(0, QUOTE_CHARS)}…` : body);
}
