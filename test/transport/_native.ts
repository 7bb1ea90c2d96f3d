/**
 * Helpers for the native link tests: crafted frames (built with the codec, signed on request), IPX
 * packets with recognisable contents, and a raw loopback UDP socket that plays a peer node.
 */
import dgram from 'node:dgram'
import { makeFrame, encode } from '../../protocol/tunnel/frame.js'
import type { FrameFields } from '../../protocol/tunnel/frame.js'
import { sign } from '../../protocol/tunnel/auth.js'
import { timestampFromMicros } from '../../protocol/tunnel/timestamp.js'
import { ipxPacket } from './_dosbox-client.js'
import type { PacketMeta } from '../../src/transport/native-link.js'

export const KEY_A = Buffer.alloc(32, 0x11)
export const KEY_B = Buffer.alloc(32, 0x22)

/** Microseconds since the epoch, as the link's default clock reads it. */
export function nowMicros (): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000)
}

/** An IPX packet of `size` bytes whose payload bytes derive from `n` (so packets differ). */
export function ipx (n: number, size = 60): Buffer {
  const payload = Buffer.alloc(size - 30)
  for (let i = 0; i < payload.length; i++) payload[i] = (n * 31 + i * 7) & 0xff
  return ipxPacket({ dstNode: 0x0a0000000001, srcNode: 0x0a0000000002, payload })
}

/** One encoded native frame; signed with `key` (under `fields.keyId`) when given. */
export function frame (fields: Omit<FrameFields, 'timestamp' | 'authenticated'> & { micros?: number }, payload?: Buffer, key?: Buffer): Buffer {
  const f = makeFrame({ ...fields, timestamp: timestampFromMicros(fields.micros ?? nowMicros()), authenticated: key !== undefined }, payload)
  const buf = encode(f)
  return key === undefined ? buf : sign(buf, key)
}

/** A received packet with its meta copied. */
export type Got = Array<[Buffer, PacketMeta]>

/** A collecting onPacket. */
export function collect (got: Got): (p: Buffer, m: Readonly<PacketMeta>) => void {
  return (p, m) => { got.push([Buffer.from(p), { ...m }]) }
}

/** A raw UDP socket on 127.0.0.1 that records what it receives. */
export interface RawPeer {
  port: number
  received: Buffer[]
  send: (d: Buffer, port: number) => Promise<void>
  close: () => Promise<void>
}

export async function rawPeer (): Promise<RawPeer> {
  const s = dgram.createSocket('udp4')
  const received: Buffer[] = []
  s.on('message', m => { received.push(m) })
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.bind(0, '127.0.0.1', () => { resolve() }) })
  return {
    port: s.address().port,
    received,
    send: async (d, port) => {
      await new Promise<void>((resolve, reject) => { s.send(d, port, '127.0.0.1', err => { if (err !== null) reject(err); else resolve() }) })
    },
    close: async () => { await new Promise<void>(resolve => { s.close(() => { resolve() }) }) }
  }
}
