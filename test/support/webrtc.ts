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
window.start = async (endpoint, mode, headers = {}) => {
  const pc = new RTCPeerConnection();
  window.pc = pc;
  if (mode === 'play') {
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.ontrack = (e) => { const v = document.getElementById('v'); v.srcObject = e.streams[0] || new MediaStream([e.track]); };
  } else {
    const media = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
    for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
  }
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const res = await fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...headers }, body: offer.sdp });
  const text = await res.text();
  window.location_ = res.headers.get('Location');
  if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: text });
  return { status: res.status, text, location: res.headers.get('Location') };
};
window.figures = async () => {
  const out = { state: window.pc ? window.pc.connectionState : 'none' };
  if (!window.pc) return out;
  (await window.pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp') out['in_' + r.kind] = { framesDecoded: r.framesDecoded ?? 0, audioEnergy: r.totalAudioEnergy ?? 0, samples: r.totalSamplesReceived ?? 0, packets: r.packetsReceived, nacks: r.nackCount ?? 0 };
    if (r.type === 'outbound-rtp') out['out_' + r.kind] = { packets: r.packetsSent, frames: r.framesEncoded ?? 0, codec: r.codecId };
  });
  return out;
};
</script>`;

export interface PageFigures {
  state: string;
  in_video?: { framesDecoded: number; packets: number; nacks: number };
  in_audio?: { audioEnergy: number; packets: number };
  out_video?: { packets: number; frames: number };
  out_audio?: { packets: number };
}

export async function figures(page: Page): Promise<PageFigures> {
  return (await page.evaluate('window.figures()')) as PageFigures;
}

export async function startPeer(page: Page, endpoint: string, mode: 'play' | 'publish', headers: Record<string, string> = {}): Promise<{ status: number; text: string; location: string | null }> {
  return (await page.evaluate(`window.start(${JSON.stringify(endpoint)}, ${JSON.stringify(mode)}, ${JSON.stringify(headers)})`)) as { status: number; text: string; location: string | null };
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
