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
import { passes } from '../capture/view.js'
import type { DisplayFilter } from '../capture/view.js'
import { columns } from '../../protocol/index.js'
import type { ExplainSectionProvider } from '../capture/explain.js'
import type { Io } from './main.js'

/** Output formats of `explain`. */
export const EXPLAIN_FORMATS = ['text', 'markdown'] as const
export type ExplainFormat = typeof EXPLAIN_FORMATS[number]

/** Options of {@link runExplain}. */
export interface ExplainCommandOptions extends FrameOptions {
  /** 1-based frame number; without it, every frame that passes `displayFilter`. */
  frame?: number
  /** `-Y`: explain only frames that pass. */
  displayFilter?: DisplayFilter
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

function frameOptionsOf (options: ExplainCommandOptions): FrameOptions {
  return { ...(options.udpPorts !== undefined ? { udpPorts: options.udpPorts } : {}), ...(options.verifyChecksum !== undefined ? { verifyChecksum: options.verifyChecksum } : {}) }
}

function render (f: FrameResult, file: string, options: ExplainCommandOptions, io: Io, env: NodeJS.ProcessEnv, cols?: columns.Columns): { text: string, ok: boolean } {
  const x = explainFrame(f, { ...(options.sections !== undefined ? { sections: options.sections } : {}) })
  const c = cols ?? (f.kind === 'ipx' ? columns.columns(f.located.ipx) : undefined)
  if (c !== undefined) x.sections.unshift({ title: 'tshark columns', lines: [`Protocol: ${c.protocol}`, `Info: ${c.info}`] })
  const text = options.format === 'markdown'
    ? renderMarkdown(x, { source: file })
    : renderText(x, { source: file, color: options.color ?? wantsColour(io.stdout, env) })
  return { text, ok: x.status === 'ok' }
}

/** `explain -Y EXPR` without --frame: every IPX frame that passes, one after another. */
async function explainMatching (file: string, options: ExplainCommandOptions & { displayFilter: DisplayFilter }, io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  let shown = 0
  let malformed = 0
  const state = new columns.ColumnState()
  try {
    for await (const f of readFrames(file, frameOptionsOf(options))) {
      const cols = f.kind === 'ipx' ? columns.columns(f.located.ipx, state) : undefined
      if (f.kind === 'not_ipx' || !passes(options.displayFilter, f, cols)) continue
      const r = render({ ...f, record: { ...f.record, data: Buffer.from(f.record.data) } }, file, options, io, env, cols)
      io.stdout.write((shown > 0 ? '\n' : '') + r.text)
      shown++
      if (!r.ok) malformed++
    }
  } catch (err) {
    if (!(err instanceof CaptureError)) throw err
    io.stderr.write(`ipxlab: ${err.message}\n`)
    return 2
  }
  io.stderr.write(`${file}: ${shown} frame${shown === 1 ? '' : 's'} pass -Y ${JSON.stringify(options.displayFilter.text)}\n`)
  return malformed > 0 ? 1 : 0
}

/** Runs the command; returns its exit status. */
export async function runExplain (file: string, options: ExplainCommandOptions, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (options.frame === undefined && options.displayFilter !== undefined) return await explainMatching(file, { ...options, displayFilter: options.displayFilter }, io, env)
  if (options.frame === undefined || !(Number.isInteger(options.frame) && options.frame >= 1)) {
    io.stderr.write(`ipxlab: --frame must be a frame number from 1 (tshark numbering), got ${options.frame ?? 'none'} (or give -Y to explain every frame that passes a filter)\n`)
    return 2
  }
  let found: { frame?: FrameResult, count: number }
  try {
    found = await findFrame(file, options.frame, frameOptionsOf(options))
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
  if (options.displayFilter !== undefined && !passes(options.displayFilter, f, f.kind === 'ipx' ? columns.columns(f.located.ipx) : undefined)) {
    io.stderr.write(`ipxlab: frame ${options.frame} of ${file} does not pass -Y ${JSON.stringify(options.displayFilter.text)}\n`)
    return 1
  }
  const r = render(f, file, options, io, env)
  io.stdout.write(r.text)
  return r.ok ? 0 : 1
}
