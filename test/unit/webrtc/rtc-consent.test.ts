import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReceiverReport } from '../../../src/protocols/rtp/rtcp-build.js';
import { SendPacer } from '../../../src/servers/webrtc/send-pacer.js';
import { connectedPeer } from './rtc-peer.js';

// Media counts as consent only when it proves the peer: authenticated by the session's SRTP keys,
// fresh, and from the address media goes to.
test('an authenticated SRTCP packet from the peer\'s address refreshes consent; a forged, replayed or elsewhere-sent one does not', async () => {
  const peer = await connectedPeer({ id: 'consent', pacer: new SendPacer((error) => assert.fail(String(error))) });
  const { transport, address, outbound } = peer;
  const report = (): Buffer => outbound.protectRtcp(buildReceiverReport(0x1111, []));
  const after = (send: () => void): boolean => {
    transport.consentAt = 0;
    send();
    return transport.consentAt > 0;
  };

  const forged = report();
  forged[forged.length - 1]! ^= 0xff;
  assert.equal(after(() => transport.receive(forged, address)), false, 'a packet failing authentication');
  assert.equal(transport.drops.srtpAuth, 1);

  const elsewhere = report();
  assert.equal(after(() => transport.receive(elsewhere, { address: '127.0.0.1', port: 40001 })), false, 'from another address');
  const genuine = report();
  assert.equal(after(() => transport.receive(genuine, address)), true, 'from the peer');
  assert.equal(after(() => transport.receive(genuine, address)), false, 'the same packet again');
  assert.equal(transport.drops.srtpReplay, 1);
});
