import test from 'ava'
import fc from 'fast-check'
import { DecodeError, EncodeError } from '../../../protocol/index.js'
import {
  AUTH_TAG_LENGTH, FrameFlag, MessageType, NATIVE_HEADER, NATIVE_HEADER_LENGTH, NATIVE_MAGIC, NativeOffset,
  classify, decode, describeFrame, encode, encodingLength, makeFrame, messageTypeName
} from '../../../protocol/tunnel/index.js'
import type { DecodeErrorCode } from '../../../protocol/index.js'
import type { NativeFrame } from '../../../protocol/tunnel/index.js'
import { arbFrame, bodyFor, ipxBytes } from './_arbitraries.js'

/** Round trip per frame (style guide §7): decode∘encode, encodingLength, encode at an offset, idempotence. */
const roundTrip = test.macro({
  exec (t, frame: NativeFrame) {
    const bytes = encode(frame)
    t.is(bytes.length, encodingLength(frame))
    t.is(bytes.readUInt16BE(0), NATIVE_MAGIC)
    t.is(bytes.readUInt16BE(2), bytes.length)
    const back = decode(bytes)
    t.deepEqual(back.header, frame.header)
    t.deepEqual(back.options, frame.options)
    t.deepEqual(back.payload, frame.payload)
    if ((frame.header.flags & FrameFlag.Authenticated) !== 0) t.deepEqual(back.tag, Buffer.alloc(AUTH_TAG_LENGTH))
    else t.is(back.tag, undefined)
    t.deepEqual(encode(back), bytes)
    const big = Buffer.alloc(bytes.length + 9, 0xee)
    t.is(encode(frame, big, 5), big)
    t.deepEqual(big.subarray(5, 5 + bytes.length), bytes)
    t.deepEqual(decode(big, 5, 5 + bytes.length).header, frame.header)
    t.deepEqual(encode(frame), bytes)
  },
  title: (given, frame: NativeFrame) => given ?? describeFrame(frame)
})

const TYPES = [MessageType.Data, MessageType.Hello, MessageType.HelloAck, MessageType.Keepalive,
  MessageType.KeepaliveAck, MessageType.Bye, 0x42]
for (const type of TYPES) {
  for (const authenticated of [false, true]) {
    const frame = makeFrame({
      type, node: 0x0000000000aa, sequence: 0xfffffffe, authenticated, keyId: authenticated ? 7 : 0,
      trafficClass: 3, timestamp: { seconds: 1_700_000_000, micros: 999_999 }
    }, bodyFor(type))
    test(`round trip ${messageTypeName(type)} ${authenticated ? 'with' : 'without'} auth: ${describeFrame(frame)}`, roundTrip, frame)
  }
}
test('round trip with header options', roundTrip,
  makeFrame({ type: MessageType.Keepalive, node: 1, sequence: 1, options: Buffer.from('0102030405', 'hex'), authenticated: true }))

test('the golden keepalive is the documented 28 bytes', t => {
  const frame = makeFrame({ type: MessageType.Keepalive, node: 0x0a0b0c0d0e0f, sequence: 0x01020304, trafficClass: 5,
    timestamp: { seconds: 0x11223344, micros: 0x000f423f } })
  t.is(encode(frame).toString('hex'),
    '4958' + '001c' + '01' + '04' + '00' + '1c' + '05' + '00' + '0a0b0c0d0e0f' + '01020304' + '11223344' + '000f423f')
})

test('NativeOffset agrees with the layout', t => {
  const byName = new Map(NATIVE_HEADER.fields.map(f => [f.name.replace('.s', 'S').replace('.m', 'M'), f.offset]))
  for (const [name, offset] of Object.entries(NativeOffset)) t.is(byName.get(name), offset, name)
  t.is(NATIVE_HEADER.length, NATIVE_HEADER_LENGTH)
})

/** Builds a valid frame, lets `mutate` damage its bytes, and expects `code`. */
function damaged (type: number, mutate: (b: Buffer) => Buffer, auth = false): Buffer {
  return mutate(Buffer.from(encode(makeFrame({ type, node: 1, sequence: 1, authenticated: auth }, bodyFor(type)))))
}

const rejects = test.macro({
  exec (t, bytes: Buffer, code: DecodeErrorCode, offset: number) {
    const err = t.throws(() => decode(bytes), { instanceOf: DecodeError, code })
    t.is(err?.protocol, 'tunnel')
    t.is(err?.offset, offset)
  },
  title: (given, _b, code: DecodeErrorCode) => `rejects ${given ?? ''} with ${code}`
})

const K = MessageType.Keepalive
const D = MessageType.Data
test('empty buffer', rejects, Buffer.alloc(0), 'IPX_ERR_TRUNCATED', 0)
test('three bytes of IX', rejects, Buffer.from('495800', 'hex'), 'IPX_ERR_TRUNCATED', 0)
test('bare IPX (FF FF)', rejects, ipxBytes(4), 'IPX_ERR_BAD_MAGIC', 0)
test('one wrong magic byte', rejects, damaged(K, b => { b[1] = 0x59; return b }), 'IPX_ERR_BAD_MAGIC', 0)
test('length 0', rejects, damaged(K, b => { b.writeUInt16BE(0, 2); return b }), 'IPX_ERR_BAD_LENGTH', 2)
test('length 27', rejects, damaged(K, b => { b.writeUInt16BE(27, 2); return b }), 'IPX_ERR_BAD_LENGTH', 2)
test('length beyond the datagram', rejects, damaged(K, b => { b.writeUInt16BE(29, 2); return b }), 'IPX_ERR_LENGTH_BEYOND_DATA', 2)
test('truncated datagram', rejects, damaged(D, b => b.subarray(0, b.length - 1)), 'IPX_ERR_LENGTH_BEYOND_DATA', 2)
test('trailing bytes', rejects, damaged(K, b => Buffer.concat([b, Buffer.alloc(1)])), 'IPX_ERR_BAD_LENGTH', 2)
test('version 0', rejects, damaged(K, b => { b[4] = 0; return b }), 'IPX_ERR_BAD_VALUE', 4)
test('version 3', rejects, damaged(K, b => { b[4] = 3; return b }), 'IPX_ERR_BAD_VALUE', 4)
test('a reserved flag', rejects, damaged(K, b => { b[6] = 0x80; return b }), 'IPX_ERR_BAD_VALUE', 6)
test('headerLength 27', rejects, damaged(K, b => { b[7] = 27; return b }), 'IPX_ERR_BAD_LENGTH', 7)
test('headerLength beyond the frame', rejects, damaged(K, b => { b[7] = 29; return b }), 'IPX_ERR_LENGTH_BEYOND_DATA', 7)
test('auth flag without room for a tag', rejects, damaged(K, b => { b[6] = 1; return b }), 'IPX_ERR_LENGTH_BEYOND_DATA', 7)
test('micros 1000000', rejects, damaged(K, b => { b.writeUInt32BE(1_000_000, 24); return b }), 'IPX_ERR_BAD_VALUE', 24)
test('keepalive with a body', rejects, damaged(K, b => { const c = Buffer.concat([b, Buffer.alloc(1)]); c.writeUInt16BE(29, 2); return c }), 'IPX_ERR_BAD_LENGTH', 28)
test('hello one byte short', rejects, damaged(MessageType.Hello, b => { const c = b.subarray(0, b.length - 1); c.writeUInt16BE(c.length, 2); return c }), 'IPX_ERR_BAD_LENGTH', 28)
test('keepalive-ack with a hello body', rejects, damaged(MessageType.Hello, b => { b[5] = MessageType.KeepaliveAck; return b }), 'IPX_ERR_BAD_LENGTH', 28)
test('bye with no body', rejects, damaged(K, b => { b[5] = MessageType.Bye; return b }), 'IPX_ERR_BAD_LENGTH', 28)
test('data shorter than an IPX header', rejects, damaged(K, b => { b[5] = D; return b }), 'IPX_ERR_BAD_LENGTH', 28)
test('data with IPX length 29', rejects, damaged(D, b => { b.writeUInt16BE(29, 30); return b }), 'IPX_ERR_BAD_LENGTH', 30)
test('data with IPX length below the body', rejects, damaged(D, b => { b.writeUInt16BE(b.length - 28 - 1, 30); return b }), 'IPX_ERR_BAD_LENGTH', 30)
test('data with IPX length beyond the body', rejects, damaged(D, b => { b.writeUInt16BE(b.length - 28 + 1, 30); return b }), 'IPX_ERR_LENGTH_BEYOND_DATA', 30)
test('data whose IPX length counts the tag', rejects, damaged(D, b => { b.writeUInt16BE(b.length - 28, 30); return b }, true), 'IPX_ERR_LENGTH_BEYOND_DATA', 30)

test('a bad range to decode is a DecodeError, not a RangeError', t => {
  const b = encode(makeFrame({ type: K, node: 1, sequence: 1 }))
  t.throws(() => decode(b, 10, 5), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
  t.throws(() => decode(b, 0, 99), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
  t.throws(() => decode(b, -1), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
})

test('unknown message types decode with their raw payload', t => {
  const frame = decode(encode(makeFrame({ type: 0xee, node: 1, sequence: 1 }, Buffer.from('xyz'))))
  t.is(frame.header.type, 0xee)
  t.is(frame.payload.toString(), 'xyz')
  t.is(messageTypeName(0xee), 'Unknown(0xee)')
})

const encodeRejects = test.macro({
  exec (t, frame: NativeFrame, code: string, field: string | undefined) {
    const err = t.throws(() => encode(frame), { instanceOf: EncodeError, code })
    t.is(err?.field, field)
  },
  title: (given, _f, code: string) => `encode rejects ${given ?? ''} with ${code}`
})
const ok = (): NativeFrame => makeFrame({ type: K, node: 1, sequence: 1 })
test('a wrong magic', encodeRejects, { ...ok(), header: { ...ok().header, magic: 0xffff } }, 'IPX_ERR_FIELD_RANGE', 'magic')
test('version 3', encodeRejects, { ...ok(), header: { ...ok().header, version: 3 } }, 'IPX_ERR_FIELD_RANGE', 'version')
test('a reserved flag', encodeRejects, { ...ok(), header: { ...ok().header, flags: 2 } }, 'IPX_ERR_FIELD_RANGE', 'flags')
test('a wrong length', encodeRejects, { ...ok(), header: { ...ok().header, length: 30 } }, 'IPX_ERR_FIELD_RANGE', 'length')
test('a wrong headerLength', encodeRejects, { ...ok(), header: { ...ok().header, headerLength: 29 } }, 'IPX_ERR_FIELD_RANGE', 'headerLength')
test('micros 1000000', encodeRejects, { ...ok(), header: { ...ok().header, timestamp: { seconds: 0, micros: 1_000_000 } } }, 'IPX_ERR_FIELD_RANGE', 'timestamp.micros')
test('a tag without the flag', encodeRejects, { ...ok(), tag: Buffer.alloc(16) }, 'IPX_ERR_FIELD_RANGE', 'tag')
test('a body that breaks its type', encodeRejects, { ...ok(), header: { ...ok().header, type: MessageType.Bye } }, 'IPX_ERR_FIELD_RANGE', 'payload')
test('a node above u48', encodeRejects, { ...ok(), header: { ...ok().header, node: 2 ** 48 } }, 'IPX_ERR_FIELD_RANGE', 'node')

test('encode into a short buffer is IPX_ERR_BUFFER_TOO_SMALL', t => {
  t.throws(() => encode(ok(), Buffer.alloc(27)), { instanceOf: EncodeError, code: 'IPX_ERR_BUFFER_TOO_SMALL' })
  t.throws(() => encode(ok(), Buffer.alloc(40), 13), { instanceOf: EncodeError, code: 'IPX_ERR_BUFFER_TOO_SMALL' })
})

test('makeFrame refuses a frame above 65535 bytes', t => {
  t.throws(() => makeFrame({ type: 0x42, node: 1, sequence: 1, authenticated: true }, Buffer.alloc(65_535 - 28 - 15)),
    { instanceOf: EncodeError, code: 'IPX_ERR_TOO_LARGE' })
  t.is(encode(makeFrame({ type: 0x42, node: 1, sequence: 1, authenticated: true }, Buffer.alloc(65_535 - 28 - 16))).length, 65_535)
})

test('classify: native, IPX and unknown on the first two bytes', t => {
  t.is(classify(encode(ok())), 'native')
  t.is(classify(ipxBytes(0)), 'ipx')
  t.is(classify(Buffer.from('ffff', 'hex')), 'ipx')
  t.is(classify(Buffer.from('4959', 'hex')), 'unknown')
  t.is(classify(Buffer.from('ff', 'hex')), 'unknown')
  t.is(classify(Buffer.alloc(0)), 'unknown')
  t.is(classify(Buffer.from('00ffff', 'hex'), 1), 'ipx')
  t.is(classify(Buffer.from('4958', 'hex'), 1), 'unknown')
  t.is(classify(Buffer.from('4958', 'hex'), -1), 'unknown')
})

test('describeFrame names the type, the node, auth and the IPX inside', t => {
  const s = describeFrame(decode(encode(makeFrame({ type: D, node: 0xaa, sequence: 9, authenticated: true, keyId: 4 }, ipxBytes(2)))))
  t.regex(s, /^IX v1 data node 00:00:00:00:00:aa seq 9 class 0 key 4 auth len \d+ \[IPX PEP /)
  t.regex(describeFrame(makeFrame({ type: D, node: 1, sequence: 1 }, Buffer.alloc(30))), /\[malformed IPX\]$/)
})

test('property: every valid frame round-trips', t => {
  t.notThrows(() => fc.assert(fc.property(arbFrame, frame => {
    const bytes = encode(frame)
    const back = decode(bytes)
    return bytes.length === encodingLength(frame) && encode(back).equals(bytes) &&
      back.header.sequence === frame.header.sequence && back.payload.equals(frame.payload)
  }), { numRuns: 500 }))
})

test('property: random bytes decode or throw a DecodeError, nothing else', t => {
  const decodeOrDecodeError = (bytes: Uint8Array): boolean => {
    try {
      decode(Buffer.from(bytes))
      return true
    } catch (err) {
      return err instanceof DecodeError && err.protocol === 'tunnel'
    }
  }
  t.notThrows(() => fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), decodeOrDecodeError), { numRuns: 2000 }))
  // Random bytes behind a valid magic and matching length reach the deeper checks.
  t.notThrows(() => fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 120 }), a => {
    const b = Buffer.concat([Buffer.from([0x49, 0x58, 0, 0, 1]), Buffer.from(a)])
    b.writeUInt16BE(b.length, 2)
    return decodeOrDecodeError(b)
  }), { numRuns: 2000 }))
  // Single-byte corruption of valid frames.
  t.notThrows(() => fc.assert(fc.property(arbFrame, fc.nat(), fc.integer({ min: 0, max: 255 }), (frame, at, v) => {
    const b = encode(frame)
    b[at % b.length] = v
    return decodeOrDecodeError(b)
  }), { numRuns: 1000 }))
})

test('property: classify never says native for FF FF, and says it exactly for IX', t => {
  t.notThrows(() => fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat({ max: 41 }), (a, offset) => {
    const c = classify(a, offset)
    const b0 = a[offset]
    const b1 = a[offset + 1]
    if (b0 === 0xff && b1 === 0xff) return c === 'ipx'
    if (b0 === 0x49 && b1 === 0x58) return c === 'native'
    return c === 'unknown'
  }), { numRuns: 2000 }))
  t.notThrows(() => fc.assert(fc.property(arbFrame, frame => classify(encode(frame)) === 'native')))
})
