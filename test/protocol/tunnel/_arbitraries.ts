/**
 * fast-check arbitraries and builders shared by the tunnel tests: valid native frames of every type,
 * valid IPX packets, and random split points of a byte stream (yamux `randomRanges`).
 */
import fc from 'fast-check'
import { ipx } from '../../../protocol/index.js'
import {
  CLASS_DIGEST_LENGTH, MessageType, encodeBye, encodeEcho, encodeHello, fragmentPacket, makeFrame
} from '../../../protocol/tunnel/index.js'
import type { FrameFields, HelloBody, NativeFrame } from '../../../protocol/tunnel/index.js'

/** A 30-byte-header IPX packet with `size` payload bytes, encoded. */
export function ipxBytes (size: number, fill = 0xab, node = 0x0000000000aa): Buffer {
  return ipx.packet.encode(ipx.packet.makePacket({
    packetType: 4,
    dst: { network: 0x28, node: 0xffffffffffff, socket: 0x4001 },
    src: { network: 0x28, node, socket: 0x4002 }
  }, Buffer.alloc(size, fill)))
}

/** A fixed, readable hello body. */
export const HELLO: HelloBody = {
  network: 0x00000028,
  mode: 1,
  reserved: 0,
  capabilities: 0x000f,
  keepaliveInterval: 15,
  maxPacket: 1424,
  classDigest: Buffer.from('0102030405060708', 'hex')
}

/** A valid body for each known type, and a few bytes for an unknown one. */
export function bodyFor (type: number): Buffer {
  switch (type) {
    case MessageType.Data: return ipxBytes(16)
    case MessageType.Hello:
    case MessageType.HelloAck: return encodeHello(HELLO)
    case MessageType.Keepalive: return Buffer.alloc(0)
    case MessageType.KeepaliveAck: return encodeEcho({ echoSequence: 41, echoTimestamp: { seconds: 1_700_000_000, micros: 250_000 } })
    case MessageType.Bye: return encodeBye({ reason: 0 })
    default: return Buffer.from('future!')
  }
}

const u8 = fc.integer({ min: 0, max: 0xff })
const u16 = fc.integer({ min: 0, max: 0xffff })
const u32 = fc.integer({ min: 0, max: 0xffffffff })
const u48 = fc.integer({ min: 0, max: 0xffffffffffff })
const bytes = (maxLength: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength }).map(a => Buffer.from(a))

/** A valid IPX packet (encoded) with up to `maxPayload` payload bytes. */
export function arbIpxPacket (maxPayload = 200): fc.Arbitrary<Buffer> {
  return fc.record({
    packetType: u8,
    transportControl: u8,
    dst: fc.record({ network: u32, node: u48, socket: u16 }),
    src: fc.record({ network: u32, node: u48, socket: u16 }),
    payload: bytes(maxPayload)
  }).map(r => ipx.packet.encode(ipx.packet.makePacket(
    { packetType: r.packetType, transportControl: r.transportControl, dst: r.dst, src: r.src }, r.payload)))
}

/** A valid body for `type`. */
function arbBody (type: number): fc.Arbitrary<Buffer> {
  switch (type) {
    case MessageType.Data: return arbIpxPacket()
    case MessageType.Hello:
    case MessageType.HelloAck:
      return fc.record({
        network: u32,
        mode: u8,
        reserved: u8,
        capabilities: u16,
        keepaliveInterval: u16,
        maxPacket: u16,
        classDigest: fc.uint8Array({ minLength: CLASS_DIGEST_LENGTH, maxLength: CLASS_DIGEST_LENGTH }).map(a => Buffer.from(a))
      }).map(b => encodeHello(b))
    case MessageType.Keepalive: return fc.constant(Buffer.alloc(0))
    case MessageType.KeepaliveAck:
      return fc.record({ echoSequence: u32, echoTimestamp: fc.record({ seconds: u32, micros: fc.integer({ min: 0, max: 999_999 }) }) })
        .map(b => encodeEcho(b))
    case MessageType.Bye: return u16.map(reason => encodeBye({ reason }))
    case MessageType.Fragment:
      return fc.tuple(arbIpxPacket(), fc.integer({ min: 16, max: 64 }), u16, fc.nat())
        // A chunk below the packet's size: always two or more fragments; any one of them.
        .map(([p, chunk, id, k]) => { const f = fragmentPacket(p, Math.min(chunk, p.length - 1), id); return f[k % f.length]! })
    default: return bytes(64)
  }
}

/** Frame fields with every optional part varied. */
function arbFields (type: number): fc.Arbitrary<FrameFields> {
  return fc.record({
    node: u48,
    sequence: u32,
    timestamp: fc.record({ seconds: u32, micros: fc.integer({ min: 0, max: 999_999 }) }),
    trafficClass: u8,
    keyId: u8,
    authenticated: fc.boolean(),
    options: fc.oneof({ weight: 4, arbitrary: fc.constant(Buffer.alloc(0)) }, { weight: 1, arbitrary: bytes(12) })
  }).map(f => ({ ...f, type }))
}

/** Any valid native frame, of a known or unknown type, with or without a (zero) tag reserved. */
export const arbFrame: fc.Arbitrary<NativeFrame> = fc.oneof(
  { weight: 7, arbitrary: fc.integer({ min: 1, max: 7 }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(0), fc.integer({ min: 8, max: 255 })) }
).chain(type => fc.tuple(arbFields(type), arbBody(type)))
  .map(([fields, body]) => makeFrame(fields, body))

/** Splits `data` at sorted random cut points: pieces of the stream as a socket might deliver them. */
export function splitAt (data: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map(c => c % (data.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let from = 0
  for (const p of points) {
    out.push(data.subarray(from, p))
    from = p
  }
  out.push(data.subarray(from))
  return out
}
