import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root: the nearest directory above this module that holds `native/`. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native')))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the package root holding native/');
    dir = up;
  }
  return dir;
}

/**
 * Loads the native addon `native/NAME`, built from source on install (scripts/build-native.mjs).
 * Addons are loaded when a feature first needs them, so a server without that feature never maps them.
 */
export function loadNative<T>(name: string): T {
  const file = join(packageRoot(), 'native', name, 'build', 'Release', `${name}.node`);
  if (!existsSync(file)) throw new Error(`the native addon ${name} is not built (${file}): run \`npm run install\``);
  return createRequire(import.meta.url)(file) as T;
}
