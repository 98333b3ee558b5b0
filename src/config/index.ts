// Public face of the config module: the schema and its types, and the loaders.
export * from './schema.js';
export { loadConfig, parseConfigText, type ConfigFormat, type LoadedConfig } from './load.js';
export { parseSrsConf, type Directive } from './srs-conf.js';
