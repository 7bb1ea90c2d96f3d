/**
 * Crafted IPX datagrams for the QoS tests, one per kind of traffic the default rules know. Built
 * with the codec (makePacket + encode) so that every byte sits where the layouts say.
 */
import { makePacket, encode } from '../../protocol/ipx/packet.js'
import { BROADCAST_NODE, PacketType, Socket } from '../../protocol/constants.js'
import * as ncp from '../../protocol/ncp.js'

const A = { network: 0x10, node: 0x000000000001 }
const B = { network: 0x20, node: 0x020000000002 }

/** An IPX datagram with the given type, sockets and payload. */
export function datagram (o: { packetType: number, srcSocket: number, dstSocket: number, payload?: Buffer, broadcast?: boolean, bytes?: number }): Buffer {
  let payload = o.payload ?? Buffer.alloc(0)
  if (o.bytes !== undefined && payload.length < o.bytes - 30) {
    const p = Buffer.alloc(o.bytes - 30)
    payload.copy(p)
    payload = p
  }
  return encode(makePacket({
    packetType: o.packetType,
    src: { ...A, socket: o.srcSocket },
    dst: { network: B.network, node: o.broadcast === true ? BROADCAST_NODE : B.node, socket: o.dstSocket }
  }, payload))
}

/** An NCP message of `bytes` total IPX length. */
export function ncpDatagram (msg: ncp.NcpMessage, bytes: number, toServer: boolean): Buffer {
  const body = ncp.encode(msg)
  return datagram({ packetType: PacketType.Ncp, srcSocket: toServer ? 0x4010 : Socket.Ncp, dstSocket: toServer ? Socket.Ncp : 0x4010, payload: body, bytes })
}

/** A 12-byte SPX header with the given connection control, padded to `bytes`. */
export function spxDatagram (connectionControl: number, bytes = 42): Buffer {
  const h = Buffer.alloc(12)
  h[0] = connectionControl
  h.writeUInt16BE(0x1234, 2)
  h.writeUInt16BE(0x5678, 4)
  return datagram({ packetType: PacketType.Spx, srcSocket: 0x4011, dstSocket: 0x4012, payload: h, bytes })
}
