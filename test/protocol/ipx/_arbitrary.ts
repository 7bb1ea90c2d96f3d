/** fast-check arbitraries for IPX values, shared by the property tests. */
import fc from 'fast-check'
import type { IpxHeader } from '../../../protocol/ipx/header.js'
import type { IpxAddress } from '../../../protocol/ipx/address.js'
import { makePacket } from '../../../protocol/ipx/packet.js'
import type { IpxPacket } from '../../../protocol/ipx/packet.js'

export const u8 = fc.integer({ min: 0, max: 0xff })
export const u16 = fc.integer({ min: 0, max: 0xffff })
export const u32 = fc.integer({ min: 0, max: 0xffffffff })
export const u48 = fc.integer({ min: 0, max: 0xffffffffffff })

export const address: fc.Arbitrary<IpxAddress> = fc.record({ network: u32, node: u48, socket: u16 })

/** A header whose length is any legal value (30..65535). */
export const header: fc.Arbitrary<IpxHeader> = fc.record({
  checksum: u16,
  length: fc.integer({ min: 30, max: 0xffff }),
  transportControl: u8,
  packetType: u8,
  dst: address,
  src: address
})

/** A consistent packet with a payload of up to `maxPayload` bytes. */
export function packet (maxPayload = 600): fc.Arbitrary<IpxPacket> {
  return fc.record({
    checksum: u16,
    transportControl: u8,
    packetType: u8,
    dst: address,
    src: address,
    payload: fc.uint8Array({ maxLength: maxPayload })
  }).map(({ payload, ...f }) => makePacket(f, Buffer.from(payload)))
}
