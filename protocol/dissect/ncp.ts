/**
 * NCP (`ncp.*`): request, reply and burst headers, the subfunction where the function takes one,
 * and the request named as Wireshark names it (ncp-functions.ts).
 */
import { ncp, hex } from './deps.js'
import { requestName } from '../ncp-functions.js'
import { rest, upperLimit } from './walker.js'
import type { Meanings , Walker} from './walker.js'

function ncpMeanings (buf: Buffer, at: number): Meanings {
  const connection = (): string => buf.length - at >= 6 ? ` (connection = high × 256 + low = ${buf[at + 5]! * 256 + buf[at + 3]!})` : ''
  return {
    type: v => `${ncp.typeName(v)}`,
    sequence: v => `request number ${v}; the reply repeats it`,
    connectionLow: v => `connection number, low byte ${v}${connection()}`,
    connectionHigh: v => `connection number, high byte ${v}`,
    task: v => `task ${v} of the client`,
    function: v => {
      const named = ncp.subfunctionLayout(buf.length - at >= 2 ? buf.readUInt16BE(at) : 0, v) === 'none' ? requestName(v) : undefined
      return named !== undefined ? `${named} (Wireshark's name)` : ncp.functionName(v)
    },
    completionCode: v => ncp.completionCodeName(v),
    connectionStatus: v => ncp.connectionStatusName(v),
    systemFlags: v => ['SYS', 'LST', '', 'EOB', 'BSY', 'ABT'].filter((n, i) => n !== '' && (v & (0x80 >> i)) !== 0).join(' ') || 'none'
  }
}

/** `Get Login Key (Wireshark's name for 0x17/0x17)`, or that the table has no name for it. */
function subfunctionMeaning (fn: number, subfunction: number): string {
  const name = requestName(fn, subfunction)
  return name !== undefined ? `${name} (Wireshark's name for 0x${hex(fn, 2)}/0x${hex(subfunction, 2)})` : `subfunction 0x${hex(subfunction, 2)} of function 0x${hex(fn, 2)} (Wireshark names none)`
}

/** The NCP message at `at`, up to `end`. */
export function walkNcp (w: Walker, at: number, end: number): void {
  const buf = w.buf
  const m = ncpMeanings(buf, at)
  if (end - at < 2) { w.fields('ncp', ncp.NCP_COMMON_HEADER, at, end, m); return }
  const type = buf.readUInt16BE(at)
  const request = type === ncp.NcpType.ServiceRequest || type === ncp.NcpType.CreateServiceConnection || type === ncp.NcpType.DestroyServiceConnection
  const reply = type === ncp.NcpType.ServiceReply || type === ncp.NcpType.PositiveAck
  const layout = request ? ncp.NCP_REQUEST_HEADER : reply ? ncp.NCP_REPLY_HEADER : type === ncp.NcpType.BurstModeTransfer ? ncp.NCP_BURST_HEADER : ncp.NCP_COMMON_HEADER
  if (!w.fields('ncp', layout, at, end, m)) return
  let bodyAt = at + layout.length
  if (request) {
    const sub = ncp.subfunctionLayout(type, buf[at + 6]!)
    if (sub === 'length' && end - bodyAt >= 3) {
      const len = buf.readUInt16BE(bodyAt)
      const subfunction = buf[bodyAt + 2]!
      w.add({ layer: 'ncp', offset: bodyAt, size: 2, field: 'length', label: 'length', wireshark: 'ncp.length', value: `0x${hex(len, 4)}`, raw: len, meaning: `${len} bytes follow (subfunction and its fields)` })
      w.add({ layer: 'ncp', offset: bodyAt + 2, size: 1, field: 'subfunction', label: 'subfunction', wireshark: 'ncp.subfunc', value: `0x${hex(subfunction, 2)}`, raw: subfunction, meaning: subfunctionMeaning(buf[at + 6]!, subfunction) })
      bodyAt += 3
    } else if (sub === 'direct' && end - bodyAt >= 1) {
      const subfunction = buf[bodyAt]!
      w.add({ layer: 'ncp', offset: bodyAt, size: 1, field: 'subfunction', label: 'subfunction', wireshark: 'ncp.subfunc', value: `0x${hex(subfunction, 2)}`, raw: subfunction, meaning: `${subfunctionMeaning(buf[at + 6]!, subfunction)}, right after the function byte` })
      bodyAt += 1
    }
  }
  const what = request ? 'request body: the function\'s fields (not decoded)' : reply ? 'reply body (not decoded)' : 'NCP data'
  rest(w, 'ncp', bodyAt, upperLimit(w, end), 'data', what)
}
