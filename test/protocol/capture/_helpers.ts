/** Shared helpers of the capture codec tests. */
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

export { readTsharkCsv } from '../../_tshark.js'
