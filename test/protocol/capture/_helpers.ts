/** Shared helpers of the capture codec tests. */
import { readFileSync } from 'node:fs'
import { capture } from '../../../protocol/index.js'
import type { CaptureRecord } from '../../../protocol/capture/record.js'

/** Decodes a whole stream given as chunks; returns the records (data copied) and calls end(). */
export function readAll (chunks: readonly Buffer[]): CaptureRecord[] {
  const reader = new capture.CaptureReader()
  const out: CaptureRecord[] = []
  for (const c of chunks) for (const r of reader.push(c)) out.push({ ...r, data: Buffer.from(r.data) })
  reader.end()
  return out
}

/** Splits `buf` at the given cut points (any order, any values: they are clamped and sorted). */
export function splitAt (buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map(c => Math.max(0, Math.min(buf.length, c))))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let prev = 0
  for (const p of points) { out.push(buf.subarray(prev, p)); prev = p }
  out.push(buf.subarray(prev))
  return out
}

/** Reads a tshark `frame.time_epoch` (`1741645865.428099000`) as exact nanoseconds. */
export function epochToNs (text: string): bigint {
  const [sec = '0', frac = ''] = text.split('.')
  return BigInt(sec) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9))
}

/** Splits one line of tshark's `-E separator=, -E quote=d` output ("" inside quotes is a quote). */
function splitCsvLine (line: string): string[] {
  const out: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cell += '"'; i++ } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') { out.push(cell); cell = '' } else cell += c
  }
  out.push(cell)
  return out
}

/** Rows of a tshark CSV file keyed by the field names of its header line. */
export function readTsharkCsv (file: string): Array<Record<string, string>> {
  const [head = '', ...lines] = readFileSync(file, 'utf8').split('\n').filter(l => l.length > 0)
  const names = splitCsvLine(head)
  return lines.map(l => {
    const cells = splitCsvLine(l)
    return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']))
  })
}
