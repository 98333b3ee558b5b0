import { Api, ApiFailure } from './api.js';
import { fill, h, notice } from './dom.js';
import type { Cleanup } from './page.js';
import { pages } from './pages/index.js';
import type { ServerInfo } from './types.js';

const root = document.getElementById('page')!;
const nav = document.getElementById('nav')!;
const who = document.getElementById('who')!;
const api = new Api(sessionStorage, () => showLogin('The token was refused: sign in again.'));
let server: ServerInfo | undefined;
let cleanup: Cleanup | void = undefined;

/** Draws the page the hash names (`#/streams/vid-...`), after undoing the previous one. */
async function route(): Promise<void> {
  leave();
  if (!api.signedIn) return showLogin();
  try {
    server ??= await api.get<ServerInfo>('/server');
  } catch (error) {
    return showLogin(error instanceof ApiFailure ? error.message : String(error));
  }
  drawNav();
  const path = location.hash.replace(/^#/, '') || '/';
  for (const page of pages) {
    const match = page.path.exec(path);
    if (!match) continue;
    document.title = `${page.title} · Sluice`;
    try {
      cleanup = await page.render({ api, server, root }, match.slice(1));
    } catch (error) {
      fill(root, h('h1', {}, page.title), notice((error as Error).message, 'error'));
    }
    return;
  }
  fill(root, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the dashboard')));
}

function leave(): void {
  if (cleanup) cleanup();
  cleanup = undefined;
}

function drawNav(): void {
  const current = location.hash || '#/';
  fill(nav, ...pages.filter((p) => p.nav).map((p) => h('a', { href: p.nav!, class: current === p.nav ? 'active' : undefined }, p.title)));
  fill(who, h('button', { class: 'link', id: 'sign-out', onclick: () => { api.signOut(); server = undefined; void route(); } }, 'Sign out'));
}

function showLogin(problem?: string): void {
  leave();
  api.signOut();
  server = undefined;
  fill(nav);
  fill(who);
  document.title = 'Sign in · Sluice';
  const token = h('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'current-password', size: 40, 'aria-label': 'API token' });
  const form = h(
    'form',
    { class: 'login card', id: 'login' },
    h('h1', {}, 'Sluice console'),
    h('label', { for: 'token' }, 'API token (http_api { api_token …; })'),
    token,
    h('button', { type: 'submit' }, 'Sign in'),
    problem ? notice(problem, 'error') : null,
    h(
      'p',
      { class: 'muted' },
      'The token is kept in this tab only (sessionStorage). With no api_token configured, the API answers only ' +
        'browsers on the server\'s own machine (loopback, or an SSH tunnel): leave the field empty there.',
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    api.signIn(token.value);
    if (location.hash.startsWith('#/login') || location.hash === '') location.hash = '#/';
    void route();
  });
  fill(root, form);
  token.focus();
}

window.addEventListener('hashchange', () => void route());
void route();
