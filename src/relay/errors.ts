import { SluiceError } from '../util/errors.js';

/** A relay target or source failed: unreachable, too slow, refused, or sent bad bytes. */
export class RelayError extends SluiceError {}
