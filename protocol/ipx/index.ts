/** The IPX layer: addresses, the 30-byte header, whole packets and the allocation-free peek. */
export * from './address.js'
export * as header from './header.js'
export * as packet from './packet.js'
export * from './peek.js'
export type { IpxHeader, DecodeOptions } from './header.js'
export type { IpxPacket, PacketFields } from './packet.js'
export { IPX_HEADER, describeHeader, computeChecksum } from './header.js'
