import { SluiceError } from '../util/errors.js';

/** A relay target or source failed: unreachable, too slow, refused, or sent bad bytes. */
export class RelayError extends SluiceError {}

/** A request the API cannot do: a bad target or pull, an unknown id. */
export class RelayRequestError extends RelayError {
  constructor(
    message: string,
    readonly status: 400 | 404,
  ) {
    super(message);
  }
}
