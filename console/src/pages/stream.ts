import { ApiFailure } from '../api.js';
import { bytes, duration, fill, h, kbps, notice, section, table } from '../dom.js';
import { every, mediaBase, type Page, type PageContext } from '../page.js';
import { startPlayer, type Player, type PlayerKind } from '../player.js';
import type { Session, Stream } from '../types.js';

const REFRESH_MS = 2000;

/** One stream: its tracks, publisher and viewers (with kick), and a live player. */
export const streamPage: Page = {
  path: /^\/streams\/([^/]+)$/,
  title: 'Stream',
  async render(ctx, [id]) {
    const { api, root } = ctx;
    const streamId = decodeURIComponent(id!);
    const facts = h('div');
    const viewers = h('div');
    const message = h('div');
    const playerBox = h('div');
    fill(root, h('h1', {}, 'Stream'), facts, section('Viewers', message, viewers), section('Live player', playerBox));

    let first = true;
    let player: Player | undefined;
    const kick = async (session: Session): Promise<void> => {
      try {
        await api.delete(`/sessions/${encodeURIComponent(session.id)}`);
        fill(message, notice(`kicked ${session.protocol} session ${session.id} (${session.ip})`, 'ok'));
      } catch (error) {
        fill(message, notice(`kick failed: ${(error as Error).message}`, 'error'));
      }
      await refresh();
    };
    const refresh = async (): Promise<void> => {
      let stream: Stream;
      try {
        stream = await api.get<Stream>(`/streams/${encodeURIComponent(streamId)}`);
      } catch (error) {
        if (error instanceof ApiFailure && error.status === 404) fill(facts, notice('This stream is gone: its publisher left and no one plays it.', 'info'));
        fill(viewers);
        return;
      }
      const { sessions } = await api.get<{ sessions: Session[] }>(`/sessions?kind=play&stream=${encodeURIComponent(streamId)}`);
      fill(facts, ...describe(stream));
      fill(viewers, viewerTable(sessions, kick));
      if (first) {
        first = false;
        fill(playerBox, await playerControls(ctx, stream, (next) => (player = next)));
      }
    };
    const stopRefresh = every(REFRESH_MS, refresh);
    return () => {
      stopRefresh();
      player?.stop();
    };
  },
};

function describe(stream: Stream): HTMLElement[] {
  const { video, audio } = stream.tracks;
  const publisher = stream.publisher;
  const internal = stream.readers.filter((r) => r.internal).map((r) => r.kind);
  return [
    h('p', {}, h('strong', { class: 'stream-url' }, stream.url), ` ${stream.vhost} · ${stream.id} · ${stream.publishing ? 'live' : 'idle'} · up ${duration(stream.uptimeSeconds)}`),
    section(
      'Tracks',
      table(['track', 'codec', 'profile', 'detail'], [
        ...(video ? [['video', video.codec, [video.profile, video.level].filter(Boolean).join(' ') || '–', video.width ? `${video.width}×${video.height}` : '–']] : []),
        ...(audio ? [['audio', audio.codec, audio.profile ?? '–', `${audio.sampleRate ?? '?'} Hz, ${audio.channels ?? '?'} ch`]] : []),
      ], 'no tracks yet'),
      h('p', { class: 'muted' }, `${kbps(stream.kbps.recv_30s)} in, ${kbps(stream.kbps.send_30s)} out · ${stream.frames.total} frames · internal readers: ${internal.join(', ') || 'none'}`),
    ),
    section(
      'Publisher',
      publisher
        ? table(['session', 'type', 'ip', 'alive', 'received'], [[publisher.id, publisher.type, publisher.ip, duration(publisher.aliveSeconds), bytes(publisher.recvBytes)]])
        : h('p', { class: 'muted' }, 'no publisher'),
    ),
  ];
}

function viewerTable(sessions: Session[], kick: (s: Session) => Promise<void>): HTMLElement {
  const rows = sessions.map((s) => [
    h('code', {}, s.id),
    s.protocol,
    s.ip,
    duration(s.aliveSeconds),
    bytes(s.sendBytes),
    kbps(s.kbps.send_30s),
    h('button', { class: 'danger', 'data-kick': s.id, onclick: () => void kick(s) }, 'Kick'),
  ]);
  return table(['session', 'protocol', 'ip', 'alive', 'sent', 'out', ''], rows, 'no viewers');
}

async function playerControls({ api, server }: PageContext, stream: Stream, started: (player: Player | undefined) => void): Promise<HTMLElement> {
  const base = mediaBase(server);
  if (!base) return notice('The HTTP server is off (http_server { enabled off; }): there is nothing to play from.');
  const config = await api.get<{ config: { vhosts?: Record<string, { hls?: { enabled?: boolean } }> } }>('/config').catch(() => undefined);
  const vhosts = config?.config.vhosts ?? {};
  const hls = (vhosts[stream.vhost] ?? vhosts.__defaultVhost__)?.hls?.enabled === true;
  const kind = h(
    'select',
    { name: 'kind', 'aria-label': 'protocol' },
    h('option', { value: 'http-flv' }, 'HTTP-FLV'),
    h('option', { value: 'ws-flv' }, 'WebSocket-FLV'),
    h('option', { value: 'hls', disabled: !hls }, hls ? 'HLS' : 'HLS (off for this vhost)'),
  );
  const param = h('input', { name: 'param', placeholder: '?token=… (if the gate asks)', size: 24 });
  const video = h('video', { id: 'player', muted: true, playsinline: true, controls: true });
  video.muted = true;
  const status = h('div');
  let player: Player | undefined;
  const stop = (): void => {
    player?.stop();
    player = undefined;
    started(undefined);
  };
  const play = async (): Promise<void> => {
    stop();
    const chosen = kind.value as PlayerKind;
    const path = `/${stream.app}/${stream.name}${chosen === 'hls' ? '.m3u8' : '.flv'}`;
    const url = `${chosen === 'ws-flv' ? base.replace(/^http/, 'ws') : base}${path}${param.value.trim()}`;
    fill(status, notice(`playing ${url}`));
    player = await startPlayer(video, chosen, url, (text) => fill(status, notice(`player: ${text}`, 'error')));
    started(player);
  };
  return h(
    'div',
    { class: 'player' },
    h('div', { class: 'row' }, kind, param, h('button', { id: 'play', onclick: () => void play() }, 'Play'), h('button', { onclick: stop }, 'Stop')),
    status,
    video,
  );
}
