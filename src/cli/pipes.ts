/**
 * A reader that stops reading (`ipxlab decode x.pcap | head`) closes the pipe under stdout; the next
 * write fails with EPIPE. That is the reader's choice, not an error of ours: the command ends at
 * once, quietly, with exit status 0, as `cat` and `grep` do when their reader goes away (they die of
 * SIGPIPE, which Node ignores, so Node reports the failed write as an 'error' event instead; without
 * a listener that event is an uncaught exception with a stack trace).
 */

/** The part of a stream this needs. */
interface ErrorEmitter {
  on: (event: 'error', listener: (err: Error) => void) => unknown
}

/** True for the error a write to a closed pipe or socket gives. */
export function isClosedPipe (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED'
}

/**
 * Ends the process with status 0 when `stream` reports a closed pipe; any other error is rethrown
 * as it would have been without a listener.
 */
export function endQuietlyOnClosedPipe (stream: ErrorEmitter, exit: (code: number) => void = code => process.exit(code)): void {
  stream.on('error', err => {
    if (isClosedPipe(err)) {
      exit(0)
      return
    }
    throw err
  })
}
