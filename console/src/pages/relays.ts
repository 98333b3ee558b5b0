import { bytes, fill, h, kbps, notice, section, table } from '../dom.js';
import { every, type Page } from '../page.js';

const REFRESH_MS = 3000;

// The relay routes answer `{"code":0,"data":...}`.
interface Push { id: string; origin: string; stream: string; url: string; state: string; lastError: string; bytes: number; bitrate: number; uptimeMs: number }
interface Target { id: string; name: string; app: string; stream: string; server: string; key: string; enabled: boolean; pushes: Push[] }
interface Pull { id: string; stream: string; source: string; protocol: string; state: string; lastError: string; bytes: number }
interface Ingest { name: string; vhost: string; input: { type: string; url: string }; output: string; state: string; pid?: number; restarts: number; lastError?: string; transcode: boolean }
type Answer<T> = { data: T };

/** Restream targets (add, enable, disable, remove) with their pushes; pulls and ingests with stop and start. */
export const relaysPage: Page = {
  path: /^\/relays$/,
  title: 'Relays',
  nav: '#/relays',
  async render({ api, root }) {
    const [targets, pushes, pulls, ingests, message] = [h('div'), h('div'), h('div'), h('div'), h('div')];
    const say = (text: string, kind: 'ok' | 'error') => fill(message, notice(text, kind));
    const act = async (what: string, call: () => Promise<unknown>): Promise<void> => {
      await call().then(() => say(what, 'ok'), (error: Error) => say(error.message, 'error'));
      await refresh();
    };
    const form = h(
      'form',
      { class: 'row', id: 'target-add' },
      h('input', { name: 'name', placeholder: 'name (YouTube)', size: 12, 'aria-label': 'name' }),
      h('input', { name: 'app', value: 'live', required: true, size: 8, 'aria-label': 'app' }),
      h('input', { name: 'stream', placeholder: 'stream (every one)', size: 12, 'aria-label': 'stream' }),
      h('input', { name: 'server', required: true, placeholder: 'rtmp://a.rtmp.youtube.com/live2', size: 30, 'aria-label': 'server' }),
      h('input', { name: 'key', required: true, type: 'password', placeholder: 'stream key', size: 16, 'aria-label': 'key' }),
      h('button', { type: 'submit' }, 'Add target'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = Object.fromEntries(new FormData(form));
      form.reset(); // the key does not stay in the page
      void act(`added ${String(body.name || body.server)}`, () => api.post('/relays', body));
    });
    const refresh = async (): Promise<void> => {
      const relays = (await api.get<Answer<{ targets: Target[]; pushes: Push[]; pulls: Pull[] }>>('/relays')).data;
      fill(targets, table(['target', 'stream', 'server', 'key', 'state', ''], relays.targets.map((t) => [
        t.name || h('code', {}, t.id),
        `${t.app}/${t.stream || '*'}`,
        h('code', {}, t.server),
        h('code', {}, t.key),
        t.enabled ? (t.pushes.map((p) => p.state).join(', ') || 'waiting for a publish') : 'disabled',
        h('span', {},
          h('button', { 'data-toggle': t.id, onclick: () => void act(`${t.enabled ? 'disabled' : 'enabled'} ${t.id}`, () => api.patch(`/relays/${t.id}`, { enabled: !t.enabled })) }, t.enabled ? 'Disable' : 'Enable'),
          h('button', { class: 'danger', onclick: () => void act(`removed ${t.id}`, () => api.delete(`/relays/${t.id}`)) }, 'Remove')),
      ]), 'no restream targets'));
      fill(pushes, table(['push', 'stream', 'target', 'state', 'last error', 'sent', 'bitrate', 'up'], relays.pushes.map((p) => [
        p.origin, p.stream, h('code', {}, p.url), p.state, p.lastError, bytes(p.bytes), kbps(p.bitrate / 1000), `${Math.round(p.uptimeMs / 1000)} s`,
      ]), 'no pushes'));
      const ingestList = (await api.get<Answer<Ingest[]>>('/ingests')).data;
      fill(pulls, table(['pull', 'stream', 'source', 'state', 'last error', 'received', ''], relays.pulls.map((p) => [
        p.protocol, p.stream, h('code', {}, p.source), p.state, p.lastError, bytes(p.bytes),
        h('button', { class: 'danger', onclick: () => void act(`stopped ${p.id}`, () => api.delete(`/pulls/${p.id}`)) }, 'Stop'),
      ]), 'no pulls'));
      fill(ingests, table(['ingest', 'input', 'output', 'state', 'pid', 'restarts', 'last error', ''], ingestList.map((i) => [
        `${i.name}${i.transcode ? ' (transcode)' : ''}`, h('code', {}, `${i.input.type} ${i.input.url}`), h('code', {}, i.output), i.state, String(i.pid ?? ''), String(i.restarts), i.lastError ?? '',
        i.state === 'stopped'
          ? h('button', { onclick: () => void act(`started ${i.name}`, () => api.post(`/ingests/${i.name}/start`)) }, 'Start')
          : h('button', { class: 'danger', onclick: () => void act(`stopped ${i.name}`, () => api.post(`/ingests/${i.name}/stop`)) }, 'Stop'),
      ]), 'no ingests'));
    };
    fill(root, h('h1', {}, 'Relays'), section('Restream targets', form, message, targets), section('Pushes', pushes), section('Pulls', pulls), section('Ingests', ingests));
    return every(REFRESH_MS, refresh);
  },
};
