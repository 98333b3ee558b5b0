// Builds every native addon under native/ from its C++ source with node-gyp against this
// Node's own headers; runs on `npm install` / `npm ci`. Nothing is downloaded.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const nativeDir = new URL('../native/', import.meta.url).pathname;
const addons = existsSync(nativeDir) ? readdirSync(nativeDir).filter((name) => existsSync(join(nativeDir, name, 'binding.gyp'))) : [];

for (const name of addons) {
  const result = spawnSync('node-gyp', ['rebuild'], { cwd: join(nativeDir, name), stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`building the native addon ${name} failed (a C++ compiler, make and python3 are needed)`);
    process.exit(result.status ?? 1);
  }
}
