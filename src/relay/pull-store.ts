import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { configSchemas, type PullConfig } from '../config/schema.js';
import { ConfigError } from '../util/errors.js';

export type StoredPull = PullConfig & { id: string };

const FILE = 'pulls.json';

/**
 * The pulls added through the API, kept in the data directory as JSON so they survive a restart
 * (those of the config come from the config). Written whole to a new file and renamed over the
 * old one, so a crash never leaves half a file.
 */
export class PullStore {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, FILE);
  }

  load(): StoredPull[] {
    if (!existsSync(this.path)) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      throw new ConfigError(`cannot read pulls: ${(error as Error).message}`, this.path, { cause: error });
    }
    const result = z.object({ pulls: z.array(configSchemas().pull.extend({ id: z.string().min(1) })) }).safeParse(parsed);
    if (!result.success) throw new ConfigError(`invalid pulls: ${result.error.issues[0]?.message}`, this.path);
    return result.data.pulls;
  }

  save(pulls: StoredPull[]): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const next = `${this.path}.next`;
    // Source URLs may carry keys: readable by the server's user only.
    writeFileSync(next, `${JSON.stringify({ pulls }, null, 2)}\n`, { mode: 0o600 });
    renameSync(next, this.path);
  }
}
