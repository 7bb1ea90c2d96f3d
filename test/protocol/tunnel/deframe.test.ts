import test from 'ava'
import fc from 'fast-check'
import { DecodeError, EncodeError, OptionsError } from '../../../protocol/index.js'
import {
  IpxLengthDeframer, MessageType, NativeDeframer, decode, encode, frameForTcp, makeFrame
} from '../../../protocol/tunnel/index.js'
import type { DecodeErrorCode } from '../../../protocol/index.js'
import { arbFrame, arbIpxPacket, ipxBytes, splitAt } from './_arbitraries.js'

function keepalive (sequence: number): Buffer {
  return encode(makeFrame({ type: MessageType.Keepalive, node: 1, sequence }))
}

function drain (d: { push: (c: Uint8Array) => Generator<Buffer> }, pieces: readonly Uint8Array[]): Buffer[] {
  const out: Buffer[] = []
  for (const p of pieces) for (const f of d.push(p)) out.push(Buffer.from(f))
  return out
}

test('native: frames inside one chunk come out whole, as views', t => {
  const a = keepalive(1)
  const b = encode(makeFrame({ type: MessageType.Data, node: 1, sequence: 2 }, ipxBytes(10)))
  const chunk = Buffer.concat([a, b])
  const d = new NativeDeframer()
  const frames = [...d.push(chunk)]
  t.deepEqual(frames, [a, b])
  t.is(frames[0]!.buffer, chunk.buffer)
  t.is(d.bufferedBytes, 0)
  t.is(d.position, chunk.length)
  t.is(decode(frames[1]!).header.sequence, 2)
})

test('native: need more bytes yields nothing and keeps the remainder', t => {
  const f = keepalive(9)
  const d = new NativeDeframer()
  t.deepEqual([...d.push(f.subarray(0, 1))], [])
  t.deepEqual([...d.push(f.subarray(1, 3))], [])
  t.deepEqual([...d.push(f.subarray(3, 27))], [])
  t.is(d.bufferedBytes, 27)
  t.deepEqual([...d.push(f.subarray(27))], [f])
  t.deepEqual([...d.push(Buffer.alloc(0))], [])
})

test('push stores the chunk even if the generator is never iterated', t => {
  const f = keepalive(3)
  const d = new NativeDeframer()
  d.push(f.subarray(0, 10))
  t.deepEqual([...d.push(f.subarray(10))], [f])
})

test('a Uint8Array chunk works like a Buffer', t => {
  const f = keepalive(3)
  t.deepEqual([...new NativeDeframer().push(new Uint8Array(f))], [f])
})

const streamRejects = test.macro({
  exec (t, make: () => NativeDeframer | IpxLengthDeframer, bytes: Buffer, code: DecodeErrorCode, offset: number) {
    const d = make()
    const err = t.throws(() => [...d.push(bytes)], { instanceOf: DecodeError, code })
    t.is(err?.protocol, 'tunnel')
    t.is(err?.offset, offset)
    // Sticky: the stream is desynchronised; every later push throws the same error.
    t.is(t.throws(() => [...d.push(keepalive(1))]), err)
  },
  title: (given, _m, _b, code: DecodeErrorCode) => `${given ?? ''} → ${code}`
})

const native = (): NativeDeframer => new NativeDeframer()
const withLength = (prefix: Buffer, length: number): Buffer => {
  const b = Buffer.concat([prefix, Buffer.alloc(2)])
  b.writeUInt16BE(length, 2)
  return b
}
test('native: length 0', streamRejects, native, withLength(Buffer.from('4958', 'hex'), 0), 'IPX_ERR_BAD_LENGTH', 2)
test('native: length 27', streamRejects, native, withLength(Buffer.from('4958', 'hex'), 27), 'IPX_ERR_BAD_LENGTH', 2)
test('native: length above maxLength', streamRejects, () => new NativeDeframer({ maxLength: 1500 }), withLength(Buffer.from('4958', 'hex'), 1501), 'IPX_ERR_LENGTH_TOO_LARGE', 2)
test('native: bad magic on the first frame', streamRejects, native, ipxBytes(0), 'IPX_ERR_BAD_MAGIC', 0)
test('native: bad magic on the second frame (desynchronised)', streamRejects, native, Buffer.concat([keepalive(1), Buffer.from('0000', 'hex')]), 'IPX_ERR_BAD_MAGIC', 28)
test('native: bad length on the third frame', streamRejects, native, Buffer.concat([keepalive(1), keepalive(2), withLength(Buffer.from('4958', 'hex'), 3)]), 'IPX_ERR_BAD_LENGTH', 58)

const ipx = (): IpxLengthDeframer => new IpxLengthDeframer()
test('ipx: length 0', streamRejects, ipx, withLength(Buffer.from('ffff', 'hex'), 0), 'IPX_ERR_BAD_LENGTH', 2)
test('ipx: length 29', streamRejects, ipx, withLength(Buffer.from('ffff', 'hex'), 29), 'IPX_ERR_BAD_LENGTH', 2)
test('ipx: length above maxLength 1424', streamRejects, () => new IpxLengthDeframer({ maxLength: 1424 }), withLength(Buffer.from('ffff', 'hex'), 1425), 'IPX_ERR_LENGTH_TOO_LARGE', 2)
test('ipx: bad length after a good packet', streamRejects, ipx, Buffer.concat([ipxBytes(5), withLength(Buffer.from('ffff', 'hex'), 4)]), 'IPX_ERR_BAD_LENGTH', 37)

test('ipx: the checksum bytes are not checked (a real checksum is legal IPX)', t => {
  const p = ipxBytes(3)
  p.writeUInt16BE(0x1234, 0)
  t.deepEqual([...new IpxLengthDeframer().push(p)], [p])
})

test('ipx: a DOSBox-sized stream at maxLength 1424 passes', t => {
  const big = ipxBytes(1424 - 30)
  t.deepEqual(drain(new IpxLengthDeframer({ maxLength: 1424 }), [big.subarray(0, 700), big.subarray(700)]), [big])
})

test('maxLength must lie between the minimum and 65535', t => {
  t.throws(() => new NativeDeframer({ maxLength: 27 }), { instanceOf: OptionsError, code: 'IPX_ERR_OPTION' })
  t.throws(() => new IpxLengthDeframer({ maxLength: 65536 }), { instanceOf: OptionsError, code: 'IPX_ERR_OPTION' })
  t.notThrows(() => new IpxLengthDeframer({ maxLength: 30 }))
})

test('one byte at a time, many frames: linear, same frames', t => {
  const frames = Array.from({ length: 300 }, (_, i) => keepalive(i))
  const stream = Buffer.concat(frames)
  const pieces = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1))
  t.deepEqual(drain(new NativeDeframer(), pieces), frames)
})

test('frameForTcp returns the frame itself, checked', t => {
  const f = keepalive(1)
  t.is(frameForTcp(f), f)
  const p = ipxBytes(2)
  t.is(frameForTcp(p), p)
  t.throws(() => frameForTcp(Buffer.concat([f, Buffer.alloc(1)])), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => frameForTcp(Buffer.alloc(3)), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => frameForTcp(withLength(Buffer.from('ffff', 'hex'), 4)), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
})

const cuts = fc.array(fc.nat(), { maxLength: 30 })

test('property: native frames joined and split at random points come out identical', t => {
  t.notThrows(() => fc.assert(fc.property(fc.array(arbFrame, { minLength: 1, maxLength: 8 }), cuts, (frames, at) => {
    const encoded = frames.map(f => frameForTcp(encode(f)))
    const out = drain(new NativeDeframer(), splitAt(Buffer.concat(encoded), at))
    return out.length === encoded.length && out.every((f, i) => f.equals(encoded[i]!)) &&
      out.every(f => decode(f).header.magic === 0x4958)
  }), { numRuns: 300 }))
})

test('property: IPX packets joined and split at random points come out identical', t => {
  t.notThrows(() => fc.assert(fc.property(fc.array(arbIpxPacket(), { minLength: 1, maxLength: 8 }), cuts, (packets, at) => {
    const out = drain(new IpxLengthDeframer(), splitAt(Buffer.concat(packets.map(frameForTcp)), at))
    return out.length === packets.length && out.every((p, i) => p.equals(packets[i]!))
  }), { numRuns: 300 }))
})

test('property: random bytes into either deframer yield frames or throw a DecodeError only', t => {
  t.notThrows(() => fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), cuts, fc.boolean(), (a, at, useNative) => {
    const d = useNative ? new NativeDeframer() : new IpxLengthDeframer()
    try {
      const out = drain(d, splitAt(Buffer.from(a), at))
      const min = useNative ? 28 : 30
      return out.every(f => f.length >= min && f.readUInt16BE(2) === f.length)
    } catch (err) {
      return err instanceof DecodeError
    }
  }), { numRuns: 1000 }))
})
