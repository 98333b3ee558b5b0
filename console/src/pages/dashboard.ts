import { lineChart } from '../chart.js';
import { bytes, duration, fill, h, kbps, section, table } from '../dom.js';
import { every, type Page } from '../page.js';
import type { FigureHistory, Figures, Stream } from '../types.js';

const REFRESH_MS = 5000;

/** Streams, viewers per protocol, bitrate over time and the server's own load. */
export const dashboard: Page = {
  path: /^\/$/,
  title: 'Dashboard',
  nav: '#/',
  async render({ api, server, root }) {
    const totals = h('div', { class: 'tiles' });
    const charts = h('div', { class: 'charts' });
    const protocols = h('div');
    const streams = h('div');
    fill(
      root,
      h('h1', {}, 'Dashboard'),
      h('p', { class: 'muted' }, `Sluice ${server.version}, up since ${new Date(server.startedAt).toLocaleString()}`),
      totals,
      section('Bitrate and load (last 10 minutes)', charts),
      section('Viewers per protocol', protocols),
      section('Streams', streams),
    );
    return every(REFRESH_MS, async () => {
      const [live, history, list] = await Promise.all([
        api.get<Figures>('/figures'),
        api.get<FigureHistory>('/figures/history'),
        api.get<{ streams: Stream[] }>('/streams'),
      ]);
      fill(totals, ...tiles(live));
      fill(charts, ...drawCharts(history.samples.length > 0 ? history.samples : [live]));
      const byProtocol = Object.entries(live.sessions.byProtocol).sort(([a], [b]) => a.localeCompare(b));
      fill(protocols, table(['protocol', 'sessions'], byProtocol.map(([name, n]) => [name, n]), 'no sessions'));
      fill(streams, streamTable(list.streams));
    });
  },
};

function tiles(f: Figures): HTMLElement[] {
  const tile = (label: string, value: string) => h('div', { class: 'tile' }, h('span', { class: 'value' }, value), h('span', { class: 'label' }, label));
  return [
    tile('streams', String(f.streams)),
    tile('publishers', String(f.sessions.publishers)),
    tile('players', String(f.sessions.players)),
    tile('in', kbps(f.kbps.in)),
    tile('out', kbps(f.kbps.out)),
    tile('CPU', `${f.cpuPercent.toFixed(1)} %`),
    tile('memory', bytes(f.memory.rssBytes)),
    tile('event-loop lag', `${f.eventLoopLagMs.toFixed(1)} ms`),
  ];
}

function drawCharts(samples: Figures[]): HTMLElement[] {
  const pick = (get: (f: Figures) => number) => samples.map(get);
  return [
    lineChart('Bitrate', [
      { name: 'in', values: pick((f) => f.kbps.in), className: 'line-in' },
      { name: 'out', values: pick((f) => f.kbps.out), className: 'line-out' },
    ], kbps),
    lineChart('CPU', [{ name: 'cpu', values: pick((f) => f.cpuPercent), className: 'line-cpu' }], (n) => `${n.toFixed(1)} %`),
    lineChart('Memory', [{ name: 'rss', values: pick((f) => f.memory.rssBytes), className: 'line-mem' }], bytes),
    lineChart('Event-loop lag', [{ name: 'p99', values: pick((f) => f.eventLoopLagMs), className: 'line-lag' }], (n) => `${n.toFixed(1)} ms`),
  ];
}

function streamTable(streams: Stream[]): HTMLElement {
  const rows = streams.map((s) => {
    const video = s.tracks.video;
    const audio = s.tracks.audio;
    const viewers = s.readers.filter((r) => r.kind === 'session').length;
    return [
      h('a', { href: `#/streams/${encodeURIComponent(s.id)}` }, s.url),
      s.publishing ? 'live' : 'idle',
      video ? `${video.codec}${video.width ? ` ${video.width}×${video.height}` : ''}` : '–',
      audio ? `${audio.codec}${audio.sampleRate ? ` ${audio.sampleRate / 1000} kHz` : ''}` : '–',
      s.publisher?.ip ?? '–',
      viewers,
      kbps(s.kbps.recv_30s),
      duration(s.uptimeSeconds),
    ];
  });
  return table(['stream', 'state', 'video', 'audio', 'publisher', 'viewers', 'in', 'uptime'], rows, 'no streams: publish one, e.g. ffmpeg -re -i in.mp4 -c copy -f flv rtmp://HOST/live/cam');
}
