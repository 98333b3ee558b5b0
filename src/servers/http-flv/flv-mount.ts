import { DEFAULT_VHOST } from '../../config/schema.js';

export interface MountMatch {
  vhost: string;
  app: string;
  stream: string;
}

/**
 * Compiles an SRS mount template such as `[vhost]/[app]/[stream].flv` into a matcher for URL
 * paths. As in SRS, the `[vhost]/` part is left out of URLs for the default vhost.
 */
export function compileMount(template: string): (path: string) => MountMatch | undefined {
  const names: string[] = [];
  const pattern = template
    .replace(/^\/+/, '')
    .split(/(\[vhost\]\/|\[app\]|\[stream\])/)
    .map((part) => {
      if (part === '[vhost]/') {
        names.push('vhost');
        return '(?:([^/]+)/)?';
      }
      if (part === '[app]' || part === '[stream]') {
        names.push(part.slice(1, -1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  const regex = new RegExp(`^/${pattern}$`);
  return (path) => {
    const match = regex.exec(path);
    if (!match) return undefined;
    const values: Record<string, string> = {};
    names.forEach((name, i) => {
      const value = match[i + 1];
      if (value !== undefined) values[name] = decodeURIComponent(value);
    });
    if (!values.app || !values.stream) return undefined;
    return { vhost: values.vhost ?? DEFAULT_VHOST, app: values.app, stream: values.stream };
  };
}
