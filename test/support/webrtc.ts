import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from './browser.js';

/** Headless Chromium with a fake camera and microphone that needs no permission prompt. */
export function launchWebRtcChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
  });
}

/**
 * A page that plays `endpoint` over WHEP (or publishes to it over WHIP with the fake devices)
 * once `start()` is called; `figures()` reads getStats for the inbound or outbound tracks.
 */
export const WEBRTC_PAGE = `<!doctype html><video id="v" autoplay playsinline></video><script>
window.start = async (endpoint, mode, headers = {}, codec) => {
  const pc = new RTCPeerConnection();
  window.pc = pc;
  // Only this video codec offered (e.g. 'VP9'), for a publisher or a player.
  const prefer = (transceiver, side) => {
    if (!codec || transceiver.receiver.track.kind !== 'video') return;
    transceiver.setCodecPreferences(side.getCapabilities('video').codecs.filter((c) => c.mimeType === 'video/' + codec));
  };
  if (mode === 'play') {
    prefer(pc.addTransceiver('video', { direction: 'recvonly' }), RTCRtpReceiver);
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.ontrack = (e) => { const v = document.getElementById('v'); v.srcObject = e.streams[0] || new MediaStream([e.track]); };
  } else if (mode === 'clock') {
    // The wall clock drawn as 32 black or white blocks, read back by readClock() on the far side.
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const g = canvas.getContext('2d');
    setInterval(() => {
      const now = Date.now() % 1e9;
      for (let bit = 0; bit < 32; bit++) {
        g.fillStyle = (now >>> bit) & 1 ? '#fff' : '#000';
        g.fillRect((bit % 8) * 40, Math.floor(bit / 8) * 60, 40, 60);
      }
    }, 10);
    prefer(pc.addTransceiver(canvas.captureStream(30).getVideoTracks()[0], { direction: 'sendonly' }), RTCRtpSender);
  } else {
    const media = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
    for (const track of media.getTracks()) prefer(pc.addTransceiver(track, { direction: 'sendonly' }), RTCRtpSender);
  }
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const res = await fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...headers }, body: offer.sdp });
  const text = await res.text();
  window.location_ = res.headers.get('Location');
  if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: text });
  return { status: res.status, text, location: res.headers.get('Location') };
};
/** Delays (ms) between the clock drawn by a 'clock' publisher and its picture shown here, over ms milliseconds. */
window.readClock = async (ms) => {
  const v = document.getElementById('v');
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 240;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const delays = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await new Promise((resolve) => v.requestVideoFrameCallback(resolve));
    g.drawImage(v, 0, 0, 320, 240);
    const pixels = g.getImageData(0, 0, 320, 240).data;
    let value = 0;
    for (let bit = 0; bit < 32; bit++) {
      const at = ((Math.floor(bit / 8) * 60 + 30) * 320 + (bit % 8) * 40 + 20) * 4;
      if (pixels[at] > 128) value += 2 ** bit;
    }
    const delay = (Date.now() % 1e9) - value;
    if (delay >= 0 && delay < 10000) delays.push(delay);
  }
  return delays;
};
window.figures = async () => {
  const out = { state: window.pc ? window.pc.connectionState : 'none' };
  if (!window.pc) return out;
  const stats = await window.pc.getStats();
  stats.forEach((r) => {
    // The protocol of the candidate pair carrying the media: udp, or tcp for ICE-TCP.
    if (r.type === 'transport' && r.selectedCandidatePairId) out.protocol = stats.get(stats.get(r.selectedCandidatePairId)?.remoteCandidateId)?.protocol;
    const codec = stats.get(r.codecId)?.mimeType;
    if (r.type === 'inbound-rtp') out['in_' + r.kind] = { framesDecoded: r.framesDecoded ?? 0, keyFramesDecoded: r.keyFramesDecoded ?? 0, audioEnergy: r.totalAudioEnergy ?? 0, samples: r.totalSamplesReceived ?? 0, packets: r.packetsReceived, nacks: r.nackCount ?? 0, codec };
    if (r.type === 'outbound-rtp') out['out_' + r.kind] = { packets: r.packetsSent, frames: r.framesEncoded ?? 0, codec };
  });
  return out;
};
</script>`;

export interface PageFigures {
  state: string;
  protocol?: string;
  in_video?: { framesDecoded: number; keyFramesDecoded: number; packets: number; nacks: number; codec?: string };
  in_audio?: { audioEnergy: number; packets: number };
  out_video?: { packets: number; frames: number; codec?: string };
  out_audio?: { packets: number };
}

export async function figures(page: Page): Promise<PageFigures> {
  return (await page.evaluate('window.figures()')) as PageFigures;
}

/** `codec`: offer only this video codec (its MIME subtype, e.g. 'VP9'). */
export async function startPeer(page: Page, endpoint: string, mode: 'play' | 'publish' | 'clock', headers: Record<string, string> = {}, codec?: string): Promise<{ status: number; text: string; location: string | null }> {
  return (await page.evaluate(`window.start(${JSON.stringify(endpoint)}, ${JSON.stringify(mode)}, ${JSON.stringify(headers)}, ${JSON.stringify(codec)})`)) as { status: number; text: string; location: string | null };
}

/** Polls the page's figures until `ok` holds, or throws with the last ones after `timeoutMs`. */
export async function waitForFigures(page: Page, ok: (figures: PageFigures) => boolean, what: string, timeoutMs = 20_000): Promise<PageFigures> {
  const deadline = Date.now() + timeoutMs;
  let last: PageFigures | undefined;
  while (Date.now() < deadline) {
    last = await figures(page);
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: never happened; last figures ${JSON.stringify(last)}`);
}
