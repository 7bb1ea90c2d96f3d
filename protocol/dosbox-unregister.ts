/**
 * ipxlab's unregister datagram: how an ipxlab DOSBox client (`ipxlab ping`, `replay`) gives its
 * slot back when it exits. DOSBox IPXNET has no disconnect message (DOSBox 0.74 ipx.cpp leaves it
 * as a TODO), so a server otherwise holds the slot until its idle timeout.
 *
 * The datagram is a unicast from the client's own node to the server's keepalive node
 * (0.0.0.1 + server port, see `KEEPALIVE_HOST` in src/transport/dosbox-server.ts), socket 2,
 * carrying {@link UNREGISTER_MAGIC}. A DOSBox client only ever sends that node an empty 30-byte
 * ping reply, so the payload tells the two apart; a server that does not know the extension
 * relays it to nobody (no client has that node) and at worst counts it as undeliverable.
 */
import { DOSBOX_CONTROL_SOCKET, IPX_HEADER_LENGTH, IPX_NO_CHECKSUM } from './constants.js'

/** The payload that marks an unregister: ASCII `ipxlab-unregister`. */
export const UNREGISTER_MAGIC = Buffer.from('ipxlab-unregister', 'latin1')

/** The server node a DOSBox server's keepalive pings come from: 0.0.0.1 + its port, as a u48. */
export function keepaliveNodeOf (serverPort: number): number {
  return 0x00000001 * 0x10000 + serverPort
}

function writeU48 (b: Buffer, offset: number, v: number): void {
  b.writeUInt16BE(Math.floor(v / 0x100000000), offset)
  b.writeUInt32BE(v >>> 0, offset + 2)
}

/** The unregister datagram of the client `clientNode` to the server on `serverPort`. */
export function encodeUnregister (clientNode: number, serverPort: number): Buffer {
  const b = Buffer.alloc(IPX_HEADER_LENGTH + UNREGISTER_MAGIC.length)
  b.writeUInt16BE(IPX_NO_CHECKSUM, 0)
  b.writeUInt16BE(b.length, 2)
  writeU48(b, 10, keepaliveNodeOf(serverPort))
  b.writeUInt16BE(DOSBOX_CONTROL_SOCKET, 16)
  writeU48(b, 22, clientNode)
  b.writeUInt16BE(DOSBOX_CONTROL_SOCKET, 28)
  UNREGISTER_MAGIC.copy(b, IPX_HEADER_LENGTH)
  return b
}

/** True when `d` (already checked to be addressed to the keepalive node, socket 2) carries the magic. */
export function isUnregister (d: Buffer): boolean {
  return d.length === IPX_HEADER_LENGTH + UNREGISTER_MAGIC.length && d.subarray(IPX_HEADER_LENGTH).equals(UNREGISTER_MAGIC)
}
