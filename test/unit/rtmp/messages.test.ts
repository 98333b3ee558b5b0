import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EcmaArray, encodeAmf0 } from '../../../src/protocols/rtmp/amf0.js';
import {
  MessageType,
  UserControlEvent,
  acknowledgement,
  commandMessage,
  dataMessage,
  decodeCommand,
  decodeData,
  decodeUserControl,
  onStatus,
  pingResponse,
  setChunkSize,
  setPeerBandwidth,
  streamBegin,
  streamEof,
  userControl,
  windowAckSize,
  type RtmpMessage,
} from '../../../src/protocols/rtmp/messages.js';
import { ProtocolError } from '../../../src/util/errors.js';

const hex = (msg: RtmpMessage): string => msg.payload.toString('hex');

test('protocol control builders: type, chunk stream 2, stream 0 and payload bytes', () => {
  const cases: [RtmpMessage, number, string][] = [
    [setChunkSize(4096), MessageType.SetChunkSize, '00001000'],
    [windowAckSize(2500000), MessageType.WindowAckSize, '002625a0'],
    [setPeerBandwidth(2500000, 2), MessageType.SetPeerBandwidth, '002625a002'],
    [acknowledgement(2 ** 32 + 5), MessageType.Acknowledgement, '00000005'],
    [streamBegin(1), MessageType.UserControl, '000000000001'],
    [streamEof(1), MessageType.UserControl, '000100000001'],
    [pingResponse(0xdeadbeef), MessageType.UserControl, '0007deadbeef'],
    [userControl(UserControlEvent.SetBufferLength, 1, 3000), MessageType.UserControl, '00030000000100000bb8'],
  ];
  for (const [msg, type, payload] of cases) {
    assert.equal(msg.type, type);
    assert.equal(msg.chunkStreamId, 2);
    assert.equal(msg.streamId, 0);
    assert.equal(msg.timestamp, 0);
    assert.equal(hex(msg), payload);
  }
  assert.throws(() => setChunkSize(0), RangeError);
});

test('commandMessage encodes AMF0 and decodeCommand reads it back', () => {
  const msg = commandMessage(0, '_result', 1, { fmsVer: 'FMS/3,0,1,123' }, { code: 'NetConnection.Connect.Success' });
  assert.equal(msg.type, MessageType.CommandAmf0);
  assert.equal(msg.chunkStreamId, 3);
  assert.equal(commandMessage(1, 'x', 0, null).chunkStreamId, 5);
  assert.deepEqual(decodeCommand(msg), {
    name: '_result',
    transactionId: 1,
    commandObject: { fmsVer: 'FMS/3,0,1,123' },
    args: [{ code: 'NetConnection.Connect.Success' }],
  });
});

test('decodeCommand defaults a missing command object to null', () => {
  const msg = { ...commandMessage(0, 'x', 2, null), payload: encodeAmf0('x', 2) };
  assert.deepEqual(decodeCommand(msg), { name: 'x', transactionId: 2, commandObject: null, args: [] });
});

test('onStatus: txid 0, null command object, info object with extras', () => {
  const msg = onStatus(1, 'status', 'NetStream.Play.Start', 'Started playing live/cam.', { details: 'live/cam' });
  assert.equal(msg.streamId, 1);
  assert.deepEqual(decodeCommand(msg), {
    name: 'onStatus',
    transactionId: 0,
    commandObject: null,
    args: [{ level: 'status', code: 'NetStream.Play.Start', description: 'Started playing live/cam.', details: 'live/cam' }],
  });
});

test('dataMessage carries onMetaData as an ECMA array', () => {
  const msg = dataMessage(1, 'onMetaData', new EcmaArray({ duration: 0, videocodecid: 7 }));
  assert.equal(msg.type, MessageType.DataAmf0);
  assert.equal(msg.payload[13], 0x08);
  assert.deepEqual(decodeData(msg), ['onMetaData', { duration: 0, videocodecid: 7 }]);
});

test('AMF3 command and data: leading format byte, then AMF0 with per-value AMF3 switch', () => {
  const body = Buffer.concat([encodeAmf0('play', 4, null), Buffer.from([0x11, 0x06, 0x07, 0x63, 0x61, 0x6d])]);
  const command = { type: MessageType.CommandAmf3, streamId: 1, timestamp: 0, chunkStreamId: 8, payload: Buffer.concat([Buffer.of(0), body]) };
  assert.deepEqual(decodeCommand(command), { name: 'play', transactionId: 4, commandObject: null, args: ['cam'] });
  assert.deepEqual(decodeCommand({ ...command, payload: body }).args, ['cam']);
  const data = { ...command, type: MessageType.DataAmf3, payload: Buffer.concat([Buffer.of(0), encodeAmf0('onTextData', { text: 'hi' })]) };
  assert.deepEqual(decodeData(data), ['onTextData', { text: 'hi' }]);
});

test('decodeCommand and decodeData reject other message types and malformed commands', () => {
  const base = commandMessage(0, 'connect', 1, {});
  assert.throws(() => decodeCommand({ ...base, type: MessageType.Audio }), ProtocolError);
  assert.throws(() => decodeData(base), ProtocolError);
  assert.throws(() => decodeCommand({ ...base, payload: encodeAmf0(1, 1) }), /name is not a string/);
  assert.throws(() => decodeCommand({ ...base, payload: encodeAmf0('connect') }), /transaction id/);
  assert.throws(() => decodeCommand({ ...base, payload: base.payload.subarray(0, 12) }), ProtocolError);
});

test('decodeUserControl reads event, value and the optional second value', () => {
  assert.deepEqual(decodeUserControl(pingResponse(77).payload), { event: 7, value: 77 });
  assert.deepEqual(decodeUserControl(userControl(3, 1, 500).payload), { event: 3, value: 1, extra: 500 });
  assert.throws(() => decodeUserControl(Buffer.from([0, 6, 0])), ProtocolError);
});
