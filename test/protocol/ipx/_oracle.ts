/**
 * A naive DataView re-implementation of the IPX header, written straight from the offset table in
 * docs/ipx-reference.md §B1, to cross-check the layout-derived codec (yamux's codec.util.ts idea).
 */
import type { IpxHeader } from '../../../protocol/ipx/header.js'

export function oracleDecode (bytes: Uint8Array): IpxHeader {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const node = (at: number): number => v.getUint16(at) * 2 ** 32 + v.getUint32(at + 2)
  return {
    checksum: v.getUint16(0),
    length: v.getUint16(2),
    transportControl: v.getUint8(4),
    packetType: v.getUint8(5),
    dst: { network: v.getUint32(6), node: node(10), socket: v.getUint16(16) },
    src: { network: v.getUint32(18), node: node(22), socket: v.getUint16(28) }
  }
}

export function oracleEncode (h: IpxHeader): Uint8Array {
  const bytes = new Uint8Array(30)
  const v = new DataView(bytes.buffer)
  const node = (at: number, n: number): void => { v.setUint16(at, Math.floor(n / 2 ** 32)); v.setUint32(at + 2, n % 2 ** 32) }
  v.setUint16(0, h.checksum); v.setUint16(2, h.length); v.setUint8(4, h.transportControl); v.setUint8(5, h.packetType)
  v.setUint32(6, h.dst.network); node(10, h.dst.node); v.setUint16(16, h.dst.socket)
  v.setUint32(18, h.src.network); node(22, h.src.node); v.setUint16(28, h.src.socket)
  return bytes
}
