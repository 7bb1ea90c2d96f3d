/**
 * `ipxlab lint CAPTURE...`: spec-conformance findings, one per line (or one JSON object per
 * finding), each naming its rule and citing the rule's source. A summary line per file goes to
 * stderr. Exit status: 0 nothing found, 1 findings, 2 a file could not be read (the other files are
 * still linted).
 */
import { CaptureError } from '../errors.js'
import { lintCapture, formatFinding } from '../capture/lint.js'
import type { Finding, Severity } from '../capture/lint.js'
import type { DisplayFilter } from '../capture/view.js'
import type { Io } from './main.js'

/** Options of {@link runLint}. */
export interface LintCommandOptions {
  /** One JSON object per finding instead of text lines. */
  json: boolean
  /** Extra UDP ports that carry IPX (213, 2644 and 10000 are always searched). */
  udpPorts?: readonly number[]
  /** `-Y`: lint only the frames that pass. */
  displayFilter?: DisplayFilter
}

/** The JSON form of a finding: exactly the {@link Finding} fields. */
export function findingJson (x: Finding): Record<string, unknown> {
  return { file: x.file, frame: x.frame, rule: x.rule, severity: x.severity, message: x.message, source: x.source }
}

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** Runs the command; returns its exit status. */
export async function runLint (files: readonly string[], options: LintCommandOptions, io: Io): Promise<number> {
  let findings = 0
  let unreadable = 0
  for (const file of files) {
    let frames = 0
    const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 }
    let readable = true
    try {
      const frameOptions = { ...(options.udpPorts !== undefined ? { udpPorts: options.udpPorts } : {}), ...(options.displayFilter !== undefined ? { displayFilter: options.displayFilter } : {}) }
      for await (const { findings: found, shown } of lintCapture(file, frameOptions)) {
        if (!shown) continue
        frames++
        for (const x of found) {
          counts[x.severity]++
          io.stdout.write((options.json ? JSON.stringify(findingJson(x)) : formatFinding(x)) + '\n')
        }
      }
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err
      unreadable++
      readable = frames > 0
      io.stderr.write(`ipxlab: ${err.message}\n`)
    }
    const total = counts.error + counts.warning + counts.info
    findings += total
    if (readable) {
      io.stderr.write(`${file}: ${plural(frames, 'frame')}, ${plural(total, 'finding')} (${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')}, ${counts.info} info)\n`)
    }
  }
  return unreadable > 0 ? 2 : findings > 0 ? 1 : 0
}
