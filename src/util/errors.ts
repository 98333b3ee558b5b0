/** Base of Sluice's typed errors: each carries an optional cause and is logged once, where handled. */
export class SluiceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Malformed or hostile bytes on the wire; the connection that sent them is closed. */
export class ProtocolError extends SluiceError {}

/** A publish or play that the gate refused; `reason` is safe to show to the client. */
export class AccessDenied extends SluiceError {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/** A configuration problem; `where` names the file, line and directive (or the YAML path). */
export class ConfigError extends SluiceError {
  constructor(
    message: string,
    readonly where: string,
    options?: { cause?: unknown },
  ) {
    super(where ? `${where}: ${message}` : message, options);
  }
}
