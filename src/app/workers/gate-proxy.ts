import type { ReloadableGate } from '../../gate/index.js';
import type { OutboxStats } from '../../gate/hooks-gate.js';
import type { Delivery, DeliveryQuery } from '../../gate/store/deliveries.js';
import type {
  Admission,
  ClientSession,
  HlsSegmentClosed,
  RecordingFinished,
  RecordingStarted,
} from '../../gate/types.js';
import type { IpcChannel } from './ipc.js';
import { toWire } from './session-wire.js';

/** What the primary answers to a publish: the admission, and whether another worker publishes the stream. */
export interface PublishAnswer {
  admission: Admission;
  busy: boolean;
}

/**
 * A worker's gate: every call goes to the one gate in the primary, so each callback is made once
 * for the server and the outbox has one writer. The primary also claims the stream for this
 * worker at publish; a stream published on another worker is refused at attach, as a busy one.
 */
export class GateProxy implements ReloadableGate {
  private readonly live = new Map<string, ClientSession>();
  private readonly busy = new Set<string>();

  constructor(private readonly channel: IpcChannel) {
    channel.handle('terminate', ({ id, reason }: { id: string; reason: string }) => this.live.get(id)?.terminate(reason));
  }

  /** False for a session whose stream another worker publishes. */
  mayPublish(session: ClientSession): boolean {
    return !this.busy.has(session.id);
  }

  async connect(session: ClientSession): Promise<void> {
    this.live.set(session.id, session);
    await this.call('connect', session);
  }

  async publish(session: ClientSession): Promise<Admission> {
    this.live.set(session.id, session);
    const answer = await this.call<PublishAnswer>('publish', session);
    if (answer.busy) this.busy.add(session.id);
    return answer.admission;
  }

  play(session: ClientSession): Promise<Admission> {
    this.live.set(session.id, session);
    return this.call('play', session);
  }

  unpublished(session: ClientSession): void {
    this.busy.delete(session.id);
    this.tell('unpublished', session);
  }

  stopped(session: ClientSession): void {
    this.tell('stopped', session);
  }

  closed(session: ClientSession): void {
    this.live.delete(session.id);
    this.busy.delete(session.id);
    this.tell('closed', session);
  }

  recordingStarted(info: RecordingStarted): void {
    this.channel.note('gate.event', { method: 'recordingStarted', info: { ...info, session: toWire(info.session) } });
  }

  recordingFinished(info: RecordingFinished): void {
    this.channel.note('gate.event', { method: 'recordingFinished', info: { ...info, session: toWire(info.session) } });
  }

  hlsSegment(info: HlsSegmentClosed): void {
    this.channel.note('gate.event', { method: 'hlsSegment', info: { ...info, session: toWire(info.session) } });
  }

  forwardTargets(session: ClientSession, backend: string): Promise<string[]> {
    return this.channel.request('gate.forward', { session: toWire(session), backend });
  }

  /** The delivery log is the primary's: the Gate interface's synchronous list has none here, `deliveries` asks the primary. */
  listDeliveries(): Delivery[] {
    return [];
  }

  deliveries(query?: DeliveryQuery): Promise<Delivery[]> {
    return this.channel.request('gate.deliveries', query);
  }

  outboxStats(): OutboxStats {
    return { depth: 0, oldestCreatedAt: undefined };
  }

  replayDelivery(seq: number): Promise<Delivery | undefined> {
    return this.channel.request('gate.replay', seq);
  }

  /** The primary reloads the gate. */
  reload(): void {}

  async close(): Promise<void> {}

  private call<T>(method: 'connect' | 'publish' | 'play', session: ClientSession): Promise<T> {
    return this.channel.request<T>('gate', { method, session: toWire(session) });
  }

  private tell(method: 'unpublished' | 'stopped' | 'closed', session: ClientSession): void {
    this.channel.note('gate', { method, session: toWire(session) });
  }
}
