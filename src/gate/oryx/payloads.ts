import { randomUUID } from 'node:crypto';
import type { ClientSession, RecordingFinished, RecordingStarted } from '../types.js';

/** The Oryx dialect's bodies (formerly SRS Stack): JSON, a new `request_id` per call. */

export interface OryxStreamPayload {
  request_id: string;
  action: 'on_publish' | 'on_unpublish';
  /** The token the operator configured, so the receiver can tell the call is genuine. */
  opaque: string;
  vhost: string;
  app: string;
  stream: string;
  param: string;
}

export interface OryxRecordBeginPayload extends Omit<OryxStreamPayload, 'action'> {
  action: 'on_record_begin';
  /** Id of the record task. */
  uuid: string;
}

export interface OryxRecordEndPayload extends Omit<OryxRecordBeginPayload, 'action'> {
  action: 'on_record_end';
  /** 0 when the recording ended normally. */
  artifact_code: number;
  artifact_path: string;
  artifact_url: string;
}

export type OryxPayload = OryxStreamPayload | OryxRecordBeginPayload | OryxRecordEndPayload;

/** The fields every Oryx call starts with, in Oryx's order. */
function head<A extends OryxPayload['action']>(s: ClientSession, action: A, opaque: string) {
  return { request_id: randomUUID(), action, opaque, vhost: s.vhost, app: s.app, stream: s.stream, param: s.param };
}

export function oryxStream(s: ClientSession, action: OryxStreamPayload['action'], opaque: string): OryxStreamPayload {
  return head(s, action, opaque);
}

export function oryxRecordBegin(info: RecordingStarted, opaque: string): OryxRecordBeginPayload {
  return { ...head(info.session, 'on_record_begin', opaque), uuid: info.uuid };
}

export function oryxRecordEnd(info: RecordingFinished, opaque: string): OryxRecordEndPayload {
  return {
    ...head(info.session, 'on_record_end', opaque),
    uuid: info.uuid,
    artifact_code: Math.trunc(info.code ?? 0),
    artifact_path: info.file,
    artifact_url: info.url ?? '',
  };
}
