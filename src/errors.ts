/**
 * Errors of the runtime layers (src/). Same scheme as the codec's: a few classes, stable codes.
 */

/** Codes of {@link ConfigError}. */
export type ConfigErrorCode = 'IPX_ERR_CONFIG'

/** A wrong configuration or command-line value; the message names the field. */
export class ConfigError extends Error {
  override readonly name: string = 'ConfigError'
  readonly code: ConfigErrorCode = 'IPX_ERR_CONFIG'
  /** The offending setting, e.g. `listen` or `peers[0]`. */
  readonly field: string

  constructor (field: string, message: string) {
    super(`${field}: ${message}`)
    this.field = field
  }
}

/**
 * Options that do not go together (`--report` without `--scenario qos`, `--once` with
 * `--duration`): a usage error, which the CLI follows with a pointer to the command's help, where a
 * bad value ({@link ConfigError}) is one line naming its setting.
 */
export class UsageError extends ConfigError {
  override readonly name = 'UsageError'
}

/** Codes of {@link TransportError} and {@link CaptureError}. */
export type TransportErrorCode =
  | 'IPX_ERR_ADDR_IN_USE'
  | 'IPX_ERR_ACCESS'
  | 'IPX_ERR_SOCKET'
  | 'IPX_ERR_CLOSED'
  | 'IPX_ERR_FRAMING'

/** A socket-level failure: cannot bind, connection closed with a reason, ... */
export class TransportError extends Error {
  override readonly name = 'TransportError'
  readonly code: TransportErrorCode

  constructor (code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** Codes of {@link CaptureError}. */
export type CaptureErrorCode = 'IPX_ERR_CAPTURE_OPEN' | 'IPX_ERR_CAPTURE_FORMAT' | 'IPX_ERR_CAPTURE_TRUNCATED'

/** A capture file that cannot be opened or read; `path` names it. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError'
  readonly code: CaptureErrorCode
  readonly path: string

  constructor (code: CaptureErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options)
    this.code = code
    this.path = path
  }
}
