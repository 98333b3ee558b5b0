/**
 * What a callback receiver written in TypeScript can import from `sluice`: the signature check,
 * the signer of stream URLs, and the shape of every callback body in every dialect.
 */
export { signStreamUrl, type SignOptions } from './gate/rules/signature.js';
export { verifyWebhook, type VerifyOptions, type VerifyResult, type WebhookHeaders } from './gate/signing.js';
export type {
  SrsClosePayload,
  SrsConnectPayload,
  SrsDvrPayload,
  SrsHlsPayload,
  SrsPayload,
  SrsPlayPayload,
  SrsPublishPayload,
  SrsStopPayload,
} from './gate/srs/payloads.js';
export type { NotifyCall, NotifyPayload } from './gate/notify/form.js';
export type { OryxPayload, OryxRecordBeginPayload, OryxRecordEndPayload, OryxStreamPayload } from './gate/oryx/payloads.js';
export type { Delivery, DeliveryOutcome, DeliveryQuery } from './gate/store/deliveries.js';
