export { DtlsServer, type DtlsServerOptions } from './server.js';
export type { ExpectedFingerprint } from './session.js';
export { isDtls } from './record.js';
export type { SrtpKeyMaterial, SrtpProfile } from '../srtp-profile.js';
export { generateCertificate, fingerprintOf, type DtlsCertificate } from '../certificate.js';
export { DtlsClient, type DtlsClientOptions } from './client.js';
