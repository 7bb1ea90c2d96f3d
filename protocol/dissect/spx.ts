/** SPX and SPX II (`spx.*`): the 12- or 14-byte header, then the connection's data. */
import { spx } from './deps.js'
import { rest, fieldLabel } from './walker.js'
import type { Meanings , Walker} from './walker.js'

const SPX_MEANINGS: Meanings = {
  connectionControl: v => {
    const flags = spx.spxFlags(v)
    const names = Object.entries(flags).filter(([, on]) => on).map(([k]) => fieldLabel(k))
    return `${spx.connectionControlName(v)}${names.length > 0 ? ` (${names.join(', ')})` : ''}`
  },
  datastreamType: v => v >= 0xfe ? spx.datastreamTypeName(v) : `${spx.datastreamTypeName(v)}: the application's own value`,
  srcConnectionId: v => `connection ${v} at the sender`,
  dstConnectionId: v => v === spx.SPX_UNKNOWN_CONNECTION_ID ? 'not yet known (0xFFFF: the connect request)' : `connection ${v} at the receiver`,
  sequence: v => `packet ${v} of this direction`,
  acknowledge: v => `the sender expects packet ${v} next`,
  allocation: v => `the sender has buffers up to packet ${v}`,
  negotiationSize: v => `SPX II: packets up to ${v} bytes offered`
}

export function walkSpx (w: Walker, at: number, end: number): void {
  const buf = w.buf
  const ii = end - at >= 6 && spx.hasNegotiationSize(buf[at]!, buf.readUInt16BE(at + 4))
  const layout = ii ? spx.SPX2_HEADER : spx.SPX_HEADER
  if (!w.fields('spx', layout, at, end, SPX_MEANINGS)) return
  rest(w, 'spx', at + layout.length, end, 'data', 'the connection\'s data', 'data.data')
}
