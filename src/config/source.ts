import type { SluiceConfig } from './schema.js';

/**
 * The configuration in force. Servers read it when a session or stream starts, so a reload
 * applies to what starts afterwards while running sessions keep what they started with.
 */
export interface ConfigSource {
  current(): SluiceConfig;
}

/** A fixed configuration (tools and tests that never reload). */
export function fixedConfig(config: SluiceConfig): ConfigSource {
  return { current: () => config };
}
