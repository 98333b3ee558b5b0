import { ApiFailure } from '../api.js';
import { bytes, fill, h, notice, section, table, time } from '../dom.js';
import { every, mediaBase, type Page } from '../page.js';
import type { RecordingFile, RecordTask } from '../types.js';

const REFRESH_MS = 5000;

/** Record tasks (start, stop) and the recorded files (play, download). */
export const recordingsPage: Page = {
  path: /^\/recordings$/,
  title: 'Recordings',
  nav: '#/recordings',
  async render({ api, server, root }) {
    const base = mediaBase(server);
    const tasks = h('div');
    const files = h('div');
    const message = h('div');
    const viewer = h('div');
    const form = h(
      'form',
      { class: 'row', id: 'record-start' },
      h('input', { name: 'vhost', value: '__defaultVhost__', size: 16, 'aria-label': 'vhost' }),
      h('input', { name: 'app', value: 'live', required: true, size: 10, 'aria-label': 'app' }),
      h('input', { name: 'stream', required: true, placeholder: 'stream', size: 14, 'aria-label': 'stream' }),
      h('button', { type: 'submit' }, 'Start recording'),
    );
    const say = (text: string, kind: 'ok' | 'error') => fill(message, notice(text, kind));
    const stop = async (task: RecordTask): Promise<void> => {
      say(`stopping ${task.id}…`, 'ok');
      await api.delete(`/records/tasks/${task.id}`).then(() => say(`stopped ${task.app}/${task.stream}`, 'ok'), (e: Error) => say(e.message, 'error'));
      await refresh();
    };
    const play = (file: RecordingFile): void => {
      fill(viewer, h('p', {}, h('code', {}, file.path)), h('video', { src: `${base}${file.url}`, controls: true, autoplay: true, muted: true, class: 'recording' }));
    };
    const refresh = async (): Promise<void> => {
      try {
        const list = await api.get<{ tasks: RecordTask[] }>('/records/tasks');
        fill(tasks, taskTable(list.tasks, stop));
      } catch (error) {
        if (!(error instanceof ApiFailure) || error.status !== 404) throw error;
        fill(tasks, notice('Record tasks are not available on this server.'));
      }
      const { recordings } = await api.get<{ recordings: RecordingFile[] }>('/records/files');
      fill(files, fileTable(recordings, base, play));
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = Object.fromEntries(new FormData(form));
      api.post<RecordTask>('/records/tasks', body).then(
        (task) => say(`recording ${task.app}/${task.stream}: ${task.state}`, 'ok'),
        (error: Error) => say(error.message, 'error'),
      ).finally(() => void refresh());
    });
    fill(root, h('h1', {}, 'Recordings'), section('Record tasks', form, message, tasks), section('Files', viewer, files));
    return every(REFRESH_MS, refresh);
  },
};

function taskTable(tasks: RecordTask[], stop: (t: RecordTask) => Promise<void>): HTMLElement {
  const rows = tasks.map((t) => [
    h('code', {}, t.id),
    `${t.app}/${t.stream}`,
    t.state,
    h('code', {}, t.file),
    t.state === 'done' ? '' : h('button', { class: 'danger', 'data-stop': t.id, onclick: () => void stop(t) }, 'Stop'),
  ]);
  return table(['task', 'stream', 'state', 'file', ''], rows, 'no record tasks');
}

function fileTable(files: RecordingFile[], base: string | undefined, play: (f: RecordingFile) => void): HTMLElement {
  const rows = files.map((f) => {
    const href = f.url !== null && base ? `${base}${f.url}` : undefined;
    return [
      f.kind,
      h('code', {}, f.path),
      bytes(f.size),
      time(f.modifiedAt),
      href ? h('button', { onclick: () => play(f) }, 'Play') : h('span', { class: 'muted', title: 'not under http_server.dir' }, 'not served'),
      href ? h('a', { href, download: '' }, 'Download') : '',
    ];
  });
  return table(['kind', 'file', 'size', 'modified', '', ''], rows, 'no recordings yet');
}
