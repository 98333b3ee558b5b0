import { createRequire } from 'node:module';
import type * as Https from 'node:https';
import type * as Tls from 'node:tls';

// Imported as ES modules at start, Node's tls and https kept about 1.5 MiB more resident
// (docs/BENCHMARKS.md, "Memory at rest"): they are required with the first TLS listener or connection.
const load = createRequire(import.meta.url);

export function httpsModule(): typeof Https {
  return load('node:https') as typeof Https;
}

export function tlsModule(): typeof Tls {
  return load('node:tls') as typeof Tls;
}
