/**
 * Reading capture files from disk: streams the file through the pure {@link CaptureReader}
 * (protocol/capture/reader.ts) without loading it whole, and turns every failure into a
 * {@link CaptureError} whose message is one line a person can act on.
 */
import { createReadStream } from 'node:fs'
import { capture, DecodeError } from '../../protocol/index.js'
import { CaptureError } from '../errors.js'

/** A record of a capture file (see `capture.CaptureRecord`). */
export type CaptureRecord = capture.CaptureRecord

/** Options of {@link readCapture}. */
export interface ReadCaptureOptions {
  /** Bytes per read from the file; default 64 KiB (the fs.ReadStream default). */
  chunkSize?: number
}

/** What the system error codes of opening and reading mean to a person. */
const OPEN_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory, not a capture file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files'
}

function openError (path: string, err: NodeJS.ErrnoException): CaptureError {
  const reason = OPEN_REASONS[err.code ?? ''] ?? `cannot read (${err.code ?? err.message})`
  return new CaptureError('IPX_ERR_CAPTURE_OPEN', path, `cannot open capture: ${reason}`, { cause: err })
}

function formatError (path: string, err: DecodeError, records: number, fileBytes: number): CaptureError {
  if (err.code === 'IPX_ERR_TRUNCATED') {
    return new CaptureError('IPX_ERR_CAPTURE_TRUNCATED', path,
      `capture is truncated: ${records} whole record${records === 1 ? '' : 's'} read, then an incomplete record at byte offset ${err.offset}`,
      { cause: err })
  }
  if (fileBytes === 0) {
    return new CaptureError('IPX_ERR_CAPTURE_FORMAT', path, 'not a capture file: the file is empty', { cause: err })
  }
  // The codec's reason without its " (CODE at offset N)" tail, which is restated in plain words.
  const suffix = ` (${err.code} at offset ${err.offset})`
  const reason = err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message
  if (err.code === 'IPX_ERR_BAD_MAGIC') {
    return new CaptureError('IPX_ERR_CAPTURE_FORMAT', path, `not a pcap or pcapng file: ${reason}`, { cause: err })
  }
  return new CaptureError('IPX_ERR_CAPTURE_FORMAT', path,
    `malformed capture at byte offset ${err.offset}, after ${records} good record${records === 1 ? '' : 's'}: ${reason}`, { cause: err })
}

/**
 * Yields every record of the pcap or pcapng file at `path`, streaming. Throws {@link CaptureError}:
 * IPX_ERR_CAPTURE_OPEN (missing, a directory, no permission), IPX_ERR_CAPTURE_FORMAT (unknown
 * magic, empty file, malformed block) and IPX_ERR_CAPTURE_TRUNCATED (the file ends inside a record:
 * every whole record is yielded first). Stopping the iteration early closes the file.
 */
export async function * readCapture (path: string, options: ReadCaptureOptions = {}): AsyncGenerator<CaptureRecord> {
  const reader = new capture.CaptureReader()
  let fileBytes = 0
  const stream = createReadStream(path, { highWaterMark: options.chunkSize ?? 64 * 1024 })
  try {
    try {
      for await (const chunk of stream) {
        fileBytes += (chunk as Buffer).length
        yield * reader.push(chunk as Buffer)
      }
      reader.end()
    } catch (err) {
      if (err instanceof DecodeError) throw formatError(path, err, reader.recordCount, fileBytes)
      if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string') throw openError(path, err)
      throw err
    }
  } finally {
    stream.destroy()
  }
}
