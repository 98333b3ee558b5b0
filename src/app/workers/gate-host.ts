import type { DeliveryQuery, ReloadableGate } from '../../gate/index.js';
import type { Admission } from '../../gate/types.js';
import type { Directory } from './directory.js';
import type { PublishAnswer } from './gate-proxy.js';
import type { IpcChannel } from './ipc.js';
import { RemoteSession, type SessionWire } from './session-wire.js';

type Call = { method: 'connect' | 'publish' | 'play' | 'unpublished' | 'stopped' | 'closed'; session: SessionWire };
type Event = { method: 'recordingStarted' | 'recordingFinished' | 'hlsSegment'; info: { session: SessionWire } };

/**
 * The primary's side of the workers' gates: one gate for the whole server. Each worker's session
 * is one RemoteSession from its first call to `closed`, so the gate's per-session state (bound
 * generation, on_update timers) works as in one process.
 */
export class GateHost {
  private readonly sessions = new Map<string, RemoteSession>();
  /** Sessions admitted to publish or play, until they end. */
  private readonly admitted = new Map<RemoteSession, 'publish' | 'play'>();

  constructor(
    private readonly gate: ReloadableGate,
    private readonly directory: Directory,
  ) {}

  serve(worker: number, channel: IpcChannel): void {
    channel.handle('gate', (call: Call) => this.call(worker, channel, call));
    channel.handle('gate.event', ({ method, info }: Event) => {
      const session = this.session(worker, channel, info.session);
      this.gate[method]({ ...info, session } as never);
    });
    channel.handle('gate.forward', ({ session, backend }: { session: SessionWire; backend: string }) =>
      this.gate.forwardTargets(this.session(worker, channel, session), backend));
    channel.handle('gate.replay', (seq: number) => this.gate.replayDelivery(seq));
    channel.handle('gate.deliveries', (query: DeliveryQuery | undefined) => this.gate.listDeliveries(query));
  }

  /** A worker died: its sessions end as if their connections had closed. */
  workerGone(worker: number): void {
    for (const [key, session] of this.sessions) {
      if (!key.startsWith(`${worker}/`)) continue;
      this.sessions.delete(key);
      const kind = this.admitted.get(session);
      this.admitted.delete(session);
      if (kind === 'publish') this.gate.unpublished(session);
      if (kind === 'play') this.gate.stopped(session);
      this.gate.closed(session);
    }
  }

  private async call(worker: number, channel: IpcChannel, { method, session: wire }: Call): Promise<unknown> {
    const session = this.session(worker, channel, wire);
    switch (method) {
      case 'connect':
        return this.gate.connect(session);
      case 'play': {
        const admission = await this.gate.play(session);
        this.admitted.set(session, 'play');
        return admission;
      }
      case 'publish': {
        const admission: Admission = await this.gate.publish(session);
        this.admitted.set(session, 'publish');
        const busy = !this.directory.claim(streamOf(session), worker, session.id);
        return { admission, busy } satisfies PublishAnswer;
      }
      case 'unpublished':
        this.admitted.delete(session);
        this.directory.release(streamOf(session), worker, session.id);
        return this.gate.unpublished(session);
      case 'stopped':
        this.admitted.delete(session);
        return this.gate.stopped(session);
      case 'closed':
        this.admitted.delete(session);
        this.sessions.delete(`${worker}/${session.id}`);
        return this.gate.closed(session);
    }
  }

  private session(worker: number, channel: IpcChannel, wire: SessionWire): RemoteSession {
    const key = `${worker}/${wire.id}`;
    let session = this.sessions.get(key);
    if (session) {
      session.update(wire);
      return session;
    }
    session = new RemoteSession(wire, (reason) => channel.note('terminate', { id: wire.id, reason }));
    this.sessions.set(key, session);
    return session;
  }
}

function streamOf(session: RemoteSession): { vhost: string; app: string; name: string } {
  return { vhost: session.vhost, app: session.app, name: session.stream };
}
