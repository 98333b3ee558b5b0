import { DEFAULT_VHOST, type SluiceConfig } from '../../config/schema.js';
import type { ManagedGate } from '../hooks-gate.js';
import type { DeliveryQuery } from '../store/deliveries.js';
import type { Admission, ClientSession, HlsSegmentClosed, RecordingFinished, RecordingStarted } from '../types.js';
import type { Action, GateRule } from './rule.js';
import { StreamSecretRule } from './secret.js';
import { SecurityRule } from './security.js';
import { SignedUrlRule } from './signed-url.js';

/** The rules of each vhost, in the order they run: address rules, signed URLs, stream secrets. */
export function rulesOf(config: SluiceConfig): Map<string, GateRule[]> {
  const map = new Map<string, GateRule[]>();
  for (const [vhost, v] of Object.entries(config.vhosts)) {
    const rules: GateRule[] = [];
    if (v.security.enabled) rules.push(new SecurityRule(v.security));
    const signed = v.signed_urls ?? config.signed_urls;
    if (signed.enabled) rules.push(new SignedUrlRule(signed));
    const publishSecret = v.publish_secret ?? config.publish_secret;
    if (publishSecret.enabled) rules.push(new StreamSecretRule('publish', publishSecret));
    const playSecret = v.play_secret ?? config.play_secret;
    if (playSecret.enabled) rules.push(new StreamSecretRule('play', playSecret));
    map.set(vhost, rules);
  }
  return map;
}

/**
 * Runs the gate rules before the callbacks of `inner`: a refusal by a rule throws before any
 * callback is called for the publish or play. A rule's rename (a secret removed from the stream
 * name) is what the callbacks see; a callback's own rename wins over it.
 */
export class RulesGate implements ManagedGate {
  constructor(
    private readonly rules: Map<string, GateRule[]>,
    private readonly inner: ManagedGate,
    private readonly now: () => number,
  ) {}

  connect(session: ClientSession): Promise<void> {
    return this.inner.connect(session);
  }

  publish(session: ClientSession): Promise<Admission> {
    return this.admit(session, 'publish', () => this.inner.publish(session));
  }

  play(session: ClientSession): Promise<Admission> {
    return this.admit(session, 'play', () => this.inner.play(session));
  }

  unpublished(session: ClientSession): void {
    this.inner.unpublished(session);
  }

  stopped(session: ClientSession): void {
    this.inner.stopped(session);
  }

  closed(session: ClientSession): void {
    this.inner.closed(session);
  }

  recordingStarted(info: RecordingStarted): void {
    this.inner.recordingStarted(info);
  }

  recordingFinished(info: RecordingFinished): void {
    this.inner.recordingFinished(info);
  }

  hlsSegment(info: HlsSegmentClosed): void {
    this.inner.hlsSegment(info);
  }

  listDeliveries(query?: DeliveryQuery) {
    return this.inner.listDeliveries(query);
  }

  outboxStats() {
    return this.inner.outboxStats();
  }

  replayDelivery(seq: number) {
    return this.inner.replayDelivery(seq);
  }

  forwardTargets(session: ClientSession, backend: string): Promise<string[]> {
    return this.inner.forwardTargets(session, backend);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async admit(session: ClientSession, action: Action, ask: () => Promise<Admission>): Promise<Admission> {
    const rules = this.rules.get(session.vhost) ?? this.rules.get(DEFAULT_VHOST) ?? [];
    let renamed: string | undefined;
    for (const rule of rules) {
      const stream = rule.check(session, action, this.now());
      if (stream !== undefined) session.stream = renamed = stream;
    }
    const granted = await ask();
    return granted.stream !== undefined || renamed === undefined ? granted : { ...granted, stream: renamed };
  }
}

/** True when some vhost has a rule, so the gate must run them. */
export function hasRules(rules: Map<string, GateRule[]>): boolean {
  return [...rules.values()].some((list) => list.length > 0);
}
