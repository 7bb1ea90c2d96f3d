/** Classic pcap files (Ethernet link type) of crafted frames, for tests that feed tshark and ipxlab the same bytes. */
import { ipx } from '../protocol/index.js'
import type { ipx as IpxNs } from '../protocol/index.js'

/** An Ethernet II frame (EtherType 0x8137) around an IPX packet, padded to 60 bytes. */
export function ethernetIpx (fields: IpxNs.PacketFields, payload: Buffer): Buffer {
  const packet = ipx.packet.encode(ipx.packet.makePacket(fields, payload))
  const frame = Buffer.concat([Buffer.from('ffffffffffff0200000000018137', 'hex'), packet])
  return frame.length >= 60 ? frame : Buffer.concat([frame, Buffer.alloc(60 - frame.length)])
}

/** A little-endian, microsecond pcap of `frames`, one a second from t = 1000 s. */
export function pcapOf (frames: readonly Buffer[]): Buffer {
  const head = Buffer.alloc(24)
  head.writeUInt32LE(0xa1b2c3d4, 0)
  head.writeUInt16LE(2, 4)
  head.writeUInt16LE(4, 6)
  head.writeUInt32LE(65535, 16)
  head.writeUInt32LE(1, 20)
  const parts: Buffer[] = [head]
  frames.forEach((frame, i) => {
    const rec = Buffer.alloc(16)
    rec.writeUInt32LE(1000 + i, 0)
    rec.writeUInt32LE(frame.length, 8)
    rec.writeUInt32LE(frame.length, 12)
    parts.push(rec, frame)
  })
  return Buffer.concat(parts)
}
