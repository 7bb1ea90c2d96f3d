/** SAP (`ipxsap.*`): queries, and responses with their 64-byte server entries. */
import { sap, BROADCAST_NODE } from './deps.js'
import { rest, plural, networkMeaning, socketMeaning } from './walker.js'
import type { Meanings , Walker} from './walker.js'

const SAP_MEANINGS: Meanings = {
  operation: v => sap.sapOperationName(v),
  serverType: v => `${sap.serverTypeName(v)}`,
  type: v => `server type: ${sap.serverTypeName(v)}`,
  network: networkMeaning,
  node: v => v === BROADCAST_NODE ? 'broadcast' : 'node of the server',
  socket: socketMeaning,
  hops: v => v >= sap.SAP_HOPS_DOWN ? `${v} = going down (16: the server is shutting down)` : `${plural(v, 'hop')} away`
}

export function walkSap (w: Walker, at: number, end: number): void {
  const buf = w.buf
  if (end - at < sap.SAP_HEADER_LENGTH) { w.fields('sap', sap.SAP_HEADER, at, end, SAP_MEANINGS); return }
  const op = buf.readUInt16BE(at)
  if (op === sap.SapOperation.GeneralQuery || op === sap.SapOperation.NearestQuery) {
    if (!w.fields('sap', sap.SAP_QUERY, at, end, SAP_MEANINGS)) return
    rest(w, 'sap', at + sap.SAP_QUERY_LENGTH, end, 'ignored', 'bytes after the 4-byte query (Wireshark ignores them)')
    return
  }
  w.fields('sap', sap.SAP_HEADER, at, end, SAP_MEANINGS)
  if (op !== sap.SapOperation.GeneralResponse && op !== sap.SapOperation.NearestResponse) {
    rest(w, 'sap', at + sap.SAP_HEADER_LENGTH, end, 'data', 'unknown operation: the rest is not interpreted')
    return
  }
  let e = at + sap.SAP_HEADER_LENGTH
  for (let i = 0; e + sap.SAP_ENTRY_LENGTH <= end; i++, e += sap.SAP_ENTRY_LENGTH) {
    const prefix = `servers[${i}].`
    const label = `server ${i + 1} `
    w.fields('sap', sap.SAP_SERVER_TYPE, e, end, SAP_MEANINGS, prefix, label)
    const nameAt = e + sap.SAP_NAME_OFFSET
    const raw = buf.subarray(nameAt, nameAt + sap.SAP_NAME_LENGTH)
    const nul = raw.indexOf(0)
    const name = raw.toString('latin1', 0, nul < 0 ? raw.length : nul)
    w.add({ layer: 'sap', offset: nameAt, size: sap.SAP_NAME_LENGTH, field: `${prefix}name`, label: `${label}name`, wireshark: 'ipxsap.server.name', value: JSON.stringify(name), raw: name, meaning: `server name, NUL-padded to 48 bytes${nul < 0 ? ' (no NUL at all)' : ''}` })
    w.fields('sap', sap.SAP_SERVER_ADDRESS, e + sap.SAP_ADDRESS_OFFSET, end, SAP_MEANINGS, prefix, label)
  }
  rest(w, 'sap', e, end, 'partialEntry', `${end - e} bytes: not a whole 64-byte entry`)
}
