import test from 'ava'
import { DecodeError, EncodeError } from '../../../protocol/index.js'
import {
  ByeReason, HELLO_BODY_LENGTH, LinkMode, MessageType, bodyLength, decodeBye, decodeEcho, decodeHello,
  encodeBye, encodeEcho, encodeHello, linkModeName, messageTypeName, timestampFromMicros, timestampToMicros
} from '../../../protocol/tunnel/index.js'
import { HELLO } from './_arbitraries.js'

test('hello body: documented 20-byte layout, round trip', t => {
  const b = encodeHello(HELLO)
  t.is(b.length, HELLO_BODY_LENGTH)
  t.is(b.toString('hex'), '00000028' + '01' + '00' + '000f' + '000f' + '0590' + '0102030405060708')
  t.deepEqual(decodeHello(b), HELLO)
  const at = Buffer.alloc(25)
  t.is(encodeHello(HELLO, at, 3), at)
  t.deepEqual(decodeHello(at, 3), HELLO)
})

test('hello body: wrong digest size, short buffer, truncated input', t => {
  t.throws(() => encodeHello({ ...HELLO, classDigest: Buffer.alloc(7) }), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => encodeHello(HELLO, Buffer.alloc(19)), { instanceOf: EncodeError, code: 'IPX_ERR_BUFFER_TOO_SMALL' })
  t.throws(() => decodeHello(encodeHello(HELLO).subarray(0, 19)), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
  t.throws(() => decodeHello(Buffer.alloc(5)), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
})

test('echo and bye bodies round-trip', t => {
  const echo = { echoSequence: 0xfffffff0, echoTimestamp: { seconds: 1_700_000_000, micros: 123_456 } }
  t.deepEqual(decodeEcho(encodeEcho(echo)), echo)
  t.deepEqual(decodeBye(encodeBye({ reason: ByeReason.Timeout })), { reason: 4 })
  t.throws(() => decodeEcho(Buffer.alloc(11)), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
  t.throws(() => encodeBye({ reason: 0x10000 }), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
})

test('body lengths per type (SPEC.md §3)', t => {
  t.is(bodyLength(MessageType.Hello), 20)
  t.is(bodyLength(MessageType.HelloAck), 20)
  t.is(bodyLength(MessageType.Keepalive), 0)
  t.is(bodyLength(MessageType.KeepaliveAck), 12)
  t.is(bodyLength(MessageType.Bye), 2)
  t.is(bodyLength(MessageType.Data), -1)
  t.is(bodyLength(99), -1)
})

test('names: known and unknown values', t => {
  t.is(messageTypeName(MessageType.HelloAck), 'hello-ack')
  t.is(messageTypeName(0), 'Unknown(0x00)')
  t.is(linkModeName(LinkMode.Route), 'route')
  t.is(linkModeName(LinkMode.Bridge), 'bridge')
  t.is(linkModeName(7), 'Unknown(0x07)')
})

test('timestamps: microseconds split and joined exactly', t => {
  const us = 1_700_000_000_123_456
  t.deepEqual(timestampFromMicros(us), { seconds: 1_700_000_000, micros: 123_456 })
  t.is(timestampToMicros(timestampFromMicros(us)), us)
  t.throws(() => timestampFromMicros(-1), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => timestampFromMicros(0x100000000 * 1_000_000), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
})
