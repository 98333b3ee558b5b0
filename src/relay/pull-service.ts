import type { SluiceConfig } from '../config/schema.js';
import { Puller, type PullerDeps, type PullSpec } from './puller.js';
import { openFlvSource, openRtmpSource, type SourceOptions } from './pull-sources.js';
import { redactUrl } from './rtmp-client/rtmp-url.js';
import { confinedFile, FileSource } from './virtual-live.js';

/** The configured pulls and virtual live streams, each a Puller that runs until the server stops. */
export class PullService {
  private readonly pullers: Puller[];

  constructor(relay: SluiceConfig['relay'], source: SourceOptions, deps: PullerDeps) {
    const pulls = relay.pull.map(({ url, vhost, app, stream }): PullSpec => {
      const rtmp = /^rtmps?:/i.test(url);
      return {
        vhost, app, stream,
        protocol: rtmp ? 'rtmp-pull' : 'flv-pull',
        describe: redactUrl(url),
        open: () => (rtmp ? openRtmpSource(url, source) : openFlvSource(url, source)),
      };
    });
    const files = relay.virtual_live.streams.map(({ file, vhost, app, stream }): PullSpec => ({
      vhost, app, stream,
      protocol: 'virtual-live',
      describe: file,
      async open() {
        // Checked at each open: a link swapped for one that leads out is refused too.
        const fileSource = new FileSource(await confinedFile(relay.virtual_live.dir, file));
        queueMicrotask(() => fileSource.start());
        return fileSource;
      },
    }));
    this.pullers = [...pulls, ...files].map((spec) => new Puller(spec, deps));
  }

  start(): void {
    for (const puller of this.pullers) puller.start();
  }

  list(): ReturnType<Puller['status']>[] {
    return this.pullers.map((puller) => puller.status());
  }

  close(): void {
    for (const puller of this.pullers) puller.stop();
  }
}
