import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { configSchemas, type ConfigSchemas } from '../config/schema.js';
import { ConfigError } from '../util/errors.js';

export type RestreamTargetInput = z.input<ConfigSchemas['restreamTarget']>;
export type RestreamTarget = z.output<ConfigSchemas['restreamTarget']> & { id: string };

const FILE = 'relays.json';

/**
 * Restream targets kept in the data directory as JSON, so targets added, enabled or disabled
 * at runtime survive a restart. Written whole to a new file and renamed over the old one, so a
 * crash never leaves half a file.
 */
export class RestreamStore {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, FILE);
  }

  load(): RestreamTarget[] {
    if (!existsSync(this.path)) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      throw new ConfigError(`cannot read restream targets: ${(error as Error).message}`, this.path, { cause: error });
    }
    const result = z.object({ targets: z.array(configSchemas().restreamTarget.required({ id: true })) }).safeParse(parsed);
    if (!result.success) throw new ConfigError(`invalid restream targets: ${result.error.issues[0]?.message}`, this.path);
    return result.data.targets;
  }

  save(targets: RestreamTarget[]): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const next = `${this.path}.next`;
    writeFileSync(next, `${JSON.stringify({ targets }, null, 2)}\n`, { mode: 0o600 });
    renameSync(next, this.path);
  }
}
