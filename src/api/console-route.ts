import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendText, type HttpRoute } from '../servers/http/http-server.js';
import { staticFiles } from '../servers/http/static-files.js';
import type { Logger } from '../util/logger.js';

export const CONSOLE_PREFIX = '/console';

/**
 * The web console's files (built into dist/console by `npm run build`) at /console/ on the API
 * port, as SRS serves its console. The page itself holds no data: it calls the API with a token.
 */
export function consoleRoute(root: string, logger: Logger): HttpRoute {
  const files = staticFiles(root, { logger });
  return async (request, response, url) => {
    if (url.pathname !== CONSOLE_PREFIX && !url.pathname.startsWith(`${CONSOLE_PREFIX}/`)) return false;
    if (url.pathname === CONSOLE_PREFIX) {
      response.writeHead(302, { Location: `${CONSOLE_PREFIX}/` }).end();
      return true;
    }
    const inner = new URL(url.pathname.slice(CONSOLE_PREFIX.length) + url.search, url);
    // The page's scripts run with the operator's token: no other site may frame them.
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    if (await files(request, response, inner)) return true;
    sendText(response, 404, existsSync(root) ? 'not found' : 'the console is not built: run npm run build');
    return true;
  };
}

/**
 * dist/console of the package this module belongs to: found from the nearest package.json up,
 * so it is the same whether the server runs bundled (dist/cli.js), compiled or from the sources.
 */
export function consoleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return resolve(dir, 'dist', 'console');
}
