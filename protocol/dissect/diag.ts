/** IPX diagnostics (socket 0x0456): configuration requests and responses. */
import { ipx, diag, hex } from './deps.js'
import { rest, plural } from './walker.js'
import type { Meanings , Walker} from './walker.js'

const DIAG_MEANINGS: Meanings = {
  majorVersion: v => `responder version ${v}.x`,
  minorVersion: v => `minor version ${v}`,
  spxDiagnosticSocket: v => `send SPX diagnostic queries to socket 0x${hex(v, 4)}`,
  componentCount: v => `${plural(v, 'component')} listed next`
}

export function walkDiag (w: Walker, at: number, end: number, kind: 'request' | 'response'): void {
  const buf = w.buf
  if (kind === 'response') {
    if (!w.fields('diag', diag.DIAG_RESPONSE_HEADER, at, end, DIAG_MEANINGS)) return
    rest(w, 'diag', at + diag.DIAG_RESPONSE_HEADER_LENGTH, end, 'components', 'component IDs and their data, kept as bytes (0 IPX/SPX, 1 router driver, 2 LAN driver, 3 shell, 4 VAP, 6 server or router, 9 DOS application)')
    return
  }
  if (end <= at) return
  const count = buf[at]!
  w.add({ layer: 'diag', offset: at, size: 1, field: 'exclusionCount', label: 'exclusion count', value: `0x${hex(count, 2)}`, raw: count, meaning: `configuration request to every node but ${plural(count, 'excluded node')} (socket 0x0456 → request)` })
  let p = at + 1
  for (let i = 0; i < count && p + diag.DIAG_EXCLUSION_LENGTH <= end; i++, p += diag.DIAG_EXCLUSION_LENGTH) {
    w.add({ layer: 'diag', offset: p, size: 6, field: `exclusions[${i}]`, label: `exclusion ${i + 1}`, value: ipx.formatNode(buf.readUIntBE(p, 6)), raw: buf.readUIntBE(p, 6), meaning: 'this node must not answer' })
  }
  rest(w, 'diag', p, end, 'ignored', 'bytes after the listed exclusions (ignored)')
}
