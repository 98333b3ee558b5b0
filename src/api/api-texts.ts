/** The fixed texts of SRS 7's API listings, word for word, so clients that read them find what they expect. */

export const ROOT_URLS = { api: 'the api root' };

export const V1_URLS = {
  versions: 'the version of SRS',
  summaries: 'the summary(pid, argv, pwd, cpu, mem) of SRS',
  rusages: 'the rusage of SRS',
  self_proc_stats: 'the self process stats',
  system_proc_stats: 'the system process stats',
  meminfos: 'the meminfo of system',
  authors: 'the license, copyright, authors and contributors',
  features: 'the supported features of SRS',
  requests: 'the request itself, for http debug',
  vhosts: 'manage all vhosts or specified vhost',
  streams: 'manage all streams or specified stream',
  clients: 'manage all clients or specified client, default query top 10 clients',
  raw: 'raw api for srs, support CUID srs for instance the config',
  clusters: 'origin cluster server API',
  perf: 'System performance stat',
  tcmalloc: 'tcmalloc api with params ?page=summary|api',
};

export const V1_TESTS = {
  requests: 'show the request info',
  errors: 'always return an error 100',
  redirects: 'always redirect to /api/v1/test/errors',
  '[vhost]': 'http vhost for http://error.srs.com:1985/api/v1/tests/errors',
};

/** What Sluice has of what SRS's /api/v1/features lists. */
export const FEATURES = {
  options: '',
  options2: '',
  build: '',
  build2: '',
  features: {
    ssl: false,
    hls: true,
    hds: false,
    callback: true,
    api: true,
    httpd: true,
    dvr: true,
    transcode: false,
    ingest: false,
    stat: true,
    caster: false,
    complex_send: false,
    tcp_nodelay: true,
    so_sendbuf: false,
    mr: true,
  },
};
