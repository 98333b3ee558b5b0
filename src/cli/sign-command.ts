import { parseArgs } from 'node:util';
import { signStreamUrl } from '../gate/rules/signature.js';
import type { Output } from './hooks-output.js';

const HELP = `Usage: sluice sign URL --key KEY [--ttl SECONDS | --expires UNIX] [--nms]

Prints URL signed for the signed_urls rule, valid until the expiry:
  URL?expires=UNIX&sign=HMAC-SHA256(KEY, "/APP/STREAM:UNIX") in hex,
  or with --nms node-media-server's URL?sign=UNIX-MD5("/APP/STREAM-UNIX-KEY").
The app and stream are the URL's last two path segments (.flv and .m3u8 are left out), so one
signature serves rtmp://, HTTP-FLV, WebSocket-FLV and HLS URLs of the same stream.

Options:
  --key KEY        the signed_urls key (default: environment SLUICE_SIGN_KEY)
  --ttl SECONDS    valid for this long from now (default 3600)
  --expires UNIX   valid until this Unix time instead
  --nms            node-media-server's form`;

/** `sluice sign ...`: returns the process exit code. */
export function runSignCommand(argv: string[], out: Output = (line) => console.log(line), now = Date.now): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      key: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      expires: { type: 'string' },
      nms: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out(HELP);
    return 0;
  }
  const key = values.key ?? process.env.SLUICE_SIGN_KEY;
  const [url, extra] = positionals;
  const expires = values.expires !== undefined ? Number(values.expires) : Math.floor(now() / 1000) + Number(values.ttl);
  if (url === undefined || extra !== undefined || !key || !Number.isSafeInteger(expires)) {
    out(HELP);
    return 2;
  }
  try {
    out(signStreamUrl(url, { key, expires, nms: values.nms }));
    return 0;
  } catch (error) {
    out(`sluice sign: ${(error as Error).message}`);
    return 2;
  }
}
