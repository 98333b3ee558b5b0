// The live player. mpegts.js and hls.js are loaded only when a stream is played, so the other
// pages stay small.

export type PlayerKind = 'http-flv' | 'ws-flv' | 'hls';

export interface Player {
  stop(): void;
}

/** Plays `url` in `video`; `onError` hears what the player reports (it never writes to the console). */
export async function startPlayer(video: HTMLVideoElement, kind: PlayerKind, url: string, onError: (message: string) => void): Promise<Player> {
  return kind === 'hls' ? startHls(video, url, onError) : startFlv(video, url, onError);
}

async function startFlv(video: HTMLVideoElement, url: string, onError: (message: string) => void): Promise<Player> {
  const { default: mpegts } = await import('mpegts.js');
  // Its errors come through the ERROR event below; a kicked player is no console error.
  mpegts.LoggingControl.applyConfig({ enableAll: false });
  const player = mpegts.createPlayer({ type: 'flv', isLive: true, url }, { enableStashBuffer: false, liveBufferLatencyChasing: true });
  player.on(mpegts.Events.ERROR, (type: string, detail: string) => onError(`${type}: ${detail}`));
  player.attachMediaElement(video);
  player.load();
  void Promise.resolve(player.play()).catch(() => undefined);
  return {
    stop: () => {
      player.pause();
      player.unload();
      player.detachMediaElement();
      player.destroy();
    },
  };
}

async function startHls(video: HTMLVideoElement, url: string, onError: (message: string) => void): Promise<Player> {
  const { default: Hls } = await import('hls.js/light');
  const hls = new Hls({ liveSyncDurationCount: 2, debug: false });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) onError(`${data.type}: ${data.details}`);
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => void video.play().catch(() => undefined));
  hls.loadSource(url);
  hls.attachMedia(video);
  return { stop: () => hls.destroy() };
}
