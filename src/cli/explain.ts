/**
 * `ipxlab explain CAPTURE --frame N`: one frame as an annotated hex dump (src/capture/explain.ts).
 * Frame numbers are 1-based, like tshark's. Colours only when stdout is a TTY and NO_COLOR is
 * unset or empty (no-color.org); `--format markdown` prints a table per layer for worksheets.
 *
 * Exit status: 0 the frame decodes cleanly, 1 it is malformed (explained as far as it decodes),
 * 2 the capture cannot be read, the frame number is out of range, or the frame is not IPX.
 */
import { CaptureError } from '../errors.js'
import { readFrames } from '../capture/frames.js'
import type { FrameOptions, FrameResult } from '../capture/frames.js'
import { explainFrame, renderMarkdown, renderText } from '../capture/explain.js'
import type { ExplainSectionProvider } from '../capture/explain.js'
import type { Io } from './main.js'

/** Output formats of `explain`. */
export const EXPLAIN_FORMATS = ['text', 'markdown'] as const
export type ExplainFormat = typeof EXPLAIN_FORMATS[number]

/** Options of {@link runExplain}. */
export interface ExplainCommandOptions extends FrameOptions {
  /** 1-based frame number. */
  frame: number
  format: ExplainFormat
  /** Force colours on or off; default: on for a TTY when NO_COLOR is unset or empty. */
  color?: boolean
  /** Extra annotation sections (the QoS stage adds "which class rule matched"). */
  sections?: readonly ExplainSectionProvider[]
}

/** True when text output to `stream` should be coloured (a TTY, and NO_COLOR unset or empty). */
export function wantsColour (stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const tty = (stream as { isTTY?: boolean }).isTTY === true
  const noColour = env.NO_COLOR !== undefined && env.NO_COLOR !== ''
  return tty && !noColour
}

/** Finds frame `n` (1-based); stops reading the file there. */
async function findFrame (file: string, n: number, options: FrameOptions): Promise<{ frame?: FrameResult, count: number }> {
  let count = 0
  for await (const f of readFrames(file, options)) {
    count++
    if (count === n) return { frame: { ...f, record: { ...f.record, data: Buffer.from(f.record.data) } }, count }
  }
  return { count }
}

/** Runs the command; returns its exit status. */
export async function runExplain (file: string, options: ExplainCommandOptions, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (!(Number.isInteger(options.frame) && options.frame >= 1)) {
    io.stderr.write(`ipxlab: --frame must be a frame number from 1 (tshark numbering), got ${options.frame}\n`)
    return 2
  }
  let found: { frame?: FrameResult, count: number }
  try {
    found = await findFrame(file, options.frame, { ...(options.udpPorts !== undefined ? { udpPorts: options.udpPorts } : {}), ...(options.verifyChecksum !== undefined ? { verifyChecksum: options.verifyChecksum } : {}) })
  } catch (err) {
    if (!(err instanceof CaptureError)) throw err
    io.stderr.write(`ipxlab: ${err.message}\n`)
    return 2
  }
  const f = found.frame
  if (f === undefined) {
    io.stderr.write(`ipxlab: frame ${options.frame} is out of range: ${file} has ${found.count} frame${found.count === 1 ? '' : 's'}\n`)
    return 2
  }
  if (f.kind === 'not_ipx') {
    io.stderr.write(`ipxlab: frame ${options.frame} of ${file} is not IPX: ${f.reason.reason}\n`)
    return 2
  }
  const x = explainFrame(f, { ...(options.sections !== undefined ? { sections: options.sections } : {}) })
  const text = options.format === 'markdown'
    ? renderMarkdown(x, { source: file })
    : renderText(x, { source: file, color: options.color ?? wantsColour(io.stdout, env) })
  io.stdout.write(text)
  return x.status === 'ok' ? 0 : 1
}
