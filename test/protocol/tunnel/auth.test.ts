import test from 'ava'
import fc from 'fast-check'
import { createHmac } from 'node:crypto'
import { EncodeError } from '../../../protocol/index.js'
import {
  AUTH_TAG_LENGTH, DEFAULT_REPLAY_BITS, MessageType, ReplayWindow, decode, encode, makeFrame, sign, verify
} from '../../../protocol/tunnel/index.js'
import type { ReplayResult } from '../../../protocol/tunnel/index.js'
import { arbFrame, ipxBytes } from './_arbitraries.js'

const KEY1 = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex')
const KEY2 = Buffer.alloc(32, 0x5a)
const KEYS: ReadonlyMap<number, Buffer> = new Map([[1, KEY1], [2, KEY2]])

function signed (keyId = 1, key = KEY1): Buffer {
  return sign(encode(makeFrame({ type: MessageType.Data, node: 0xaa, sequence: 5, authenticated: true, keyId }, ipxBytes(20))), key)
}

test('sign writes HMAC-SHA-256 of everything before the tag, truncated to 16 bytes', t => {
  const frame = signed()
  const want = createHmac('sha256', KEY1).update(frame.subarray(0, frame.length - 16)).digest().subarray(0, 16)
  t.deepEqual(frame.subarray(frame.length - AUTH_TAG_LENGTH), want)
  t.deepEqual(decode(frame).tag, want)
})

test('a signed frame verifies with the key its keyId names', t => {
  t.is(verify(signed(1, KEY1), KEYS), 'ok')
  t.is(verify(signed(2, KEY2), KEYS), 'ok')
})

test('a wrong key fails', t => {
  t.is(verify(signed(1, KEY2), KEYS), 'bad_tag')
})

test('a wrong key id fails: unknown id, and a known id of another key', t => {
  const f = signed(1, KEY1)
  f[9] = 3
  t.is(verify(f, KEYS), 'unknown_key')
  f[9] = 2
  t.is(verify(f, KEYS), 'bad_tag')
})

test('property: any flipped bit of a signed frame fails verify', t => {
  t.notThrows(() => fc.assert(fc.property(arbFrame, fc.nat(), (frame, bit) => {
    const fields = { ...frame.header, flags: 1, keyId: 1 }
    const bytes = sign(encode(makeFrame({ ...fields, options: frame.options, authenticated: true }, frame.payload)), KEY1)
    if (verify(bytes, KEYS) !== 'ok') return false
    const i = bit % (bytes.length * 8)
    bytes[i >>> 3] = bytes[i >>> 3]! ^ (1 << (i & 7))
    return verify(bytes, KEYS) !== 'ok'
  }), { numRuns: 300 }))
})

test('an unsigned frame is reported as unsigned, whatever the keys', t => {
  t.is(verify(encode(makeFrame({ type: MessageType.Keepalive, node: 1, sequence: 1 })), KEYS), 'unsigned')
  t.is(verify(encode(makeFrame({ type: MessageType.Keepalive, node: 1, sequence: 1 })), new Map()), 'unsigned')
})

test('verify never throws on garbage: malformed', t => {
  t.is(verify(Buffer.alloc(0), KEYS), 'malformed')
  t.is(verify(ipxBytes(30), KEYS), 'malformed')
  const f = signed()
  t.is(verify(f.subarray(0, f.length - 1), KEYS), 'malformed')
  t.is(verify(Buffer.concat([f, Buffer.alloc(1)]), KEYS), 'malformed')
  const short = encode(makeFrame({ type: MessageType.Keepalive, node: 1, sequence: 1 }))
  short[6] = 1
  t.is(verify(short, KEYS), 'malformed')
  t.notThrows(() => fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), a => {
    const r = verify(Buffer.from(a), KEYS)
    return ['ok', 'unsigned', 'unknown_key', 'bad_tag', 'malformed'].includes(r)
  }), { numRuns: 1000 }))
})

test('sign refuses short keys, unflagged frames and non-frames', t => {
  const frame = encode(makeFrame({ type: MessageType.Keepalive, node: 1, sequence: 1, authenticated: true }))
  t.throws(() => sign(frame, Buffer.alloc(15)), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.is(sign(frame, Buffer.alloc(16, 1)), frame)
  t.throws(() => sign(encode(makeFrame({ type: MessageType.Keepalive, node: 1, sequence: 1 })), KEY1), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => sign(ipxBytes(30), KEY1), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => sign(Buffer.concat([frame, Buffer.alloc(2)]), KEY1), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
})

// ---- Replay window (RFC 4303 §3.4.3, RFC 6479) ----

test('replay: the first sequence is accepted, its duplicate is replayed', t => {
  const w = new ReplayWindow()
  t.is(w.highest, undefined)
  t.is(w.check(100), 'ok')
  t.is(w.accept(100), 'ok')
  t.is(w.highest, 100)
  t.is(w.check(100), 'replayed')
  t.is(w.accept(100), 'replayed')
})

test('replay: check does not change the window', t => {
  const w = new ReplayWindow()
  w.accept(10)
  t.is(w.check(11), 'ok')
  t.is(w.check(11), 'ok')
  t.is(w.highest, 10)
})

test('replay: reordered frames inside the window are accepted once', t => {
  const w = new ReplayWindow()
  for (const s of [10, 14, 12, 11, 13]) t.is(w.accept(s), 'ok', `seq ${s}`)
  for (const s of [10, 11, 12, 13, 14]) t.is(w.accept(s), 'replayed', `seq ${s} again`)
  t.is(w.highest, 14)
})

test('replay: the window is (N-1)·32 frames; older is too_old', t => {
  const w = new ReplayWindow()
  t.is(w.size, DEFAULT_REPLAY_BITS - 32)
  w.accept(5000)
  t.is(w.check(5000 - w.size + 1), 'ok')
  t.is(w.check(5000 - w.size), 'too_old')
  t.is(w.accept(1), 'too_old')
  const small = new ReplayWindow(64)
  small.accept(100)
  t.is(small.check(100 - 31), 'ok')
  t.is(small.check(100 - 32), 'too_old')
})

test('replay: a jump ahead clears what the window slid over', t => {
  const w = new ReplayWindow(64)
  for (let s = 0; s < 40; s++) w.accept(s)
  t.is(w.accept(39 + 64), 'ok')
  // 64 bits later the same bit positions must read as unseen, not replayed.
  t.is(w.check(39 + 64 - 1), 'ok')
  t.is(w.check(39 + 64 - 20), 'ok')
  t.is(w.accept(10_000_000), 'ok')
  t.is(w.check(10_000_000 - 5), 'ok')
})

test('replay: sequences wrap from 0xFFFFFFFF to 0 (RFC 1982 serial arithmetic)', t => {
  const w = new ReplayWindow()
  t.is(w.accept(0xfffffffe), 'ok')
  t.is(w.accept(0xffffffff), 'ok')
  t.is(w.accept(0), 'ok')
  t.is(w.accept(1), 'ok')
  t.is(w.highest, 1)
  t.is(w.accept(0xffffffff), 'replayed')
  t.is(w.accept(0xfffffffd), 'ok')
  t.is(w.check((1 - w.size + 1) >>> 0), 'ok')
  t.is(w.check((1 - w.size) >>> 0), 'too_old')
  // Exactly 2^31 away is behind (too old); 2^31 - 1 away is ahead.
  t.is(w.check(0x80000001), 'too_old')
  t.is(w.accept(0x80000000), 'ok')
  t.is(w.highest, 0x80000000)
  t.is(w.accept(1), 'too_old')
})

test('replay: reset forgets everything', t => {
  const w = new ReplayWindow()
  w.accept(7)
  w.reset()
  t.is(w.highest, undefined)
  t.is(w.accept(7), 'ok')
})

test('replay: the bitmap size must be a power of two in 64..65536', t => {
  for (const bits of [0, 32, 100, 65537 * 2, 1.5]) {
    t.throws(() => new ReplayWindow(bits), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' }, String(bits))
  }
  t.is(new ReplayWindow(65536).size, 65536 - 32)
})

/** The naive oracle: a set of accepted numbers, RFC 1982 comparisons, the same window size. */
class Oracle {
  readonly seen = new Set<number>()
  top: number | undefined
  constructor (readonly size: number) {}
  accept (s: number): ReplayResult {
    if (this.top !== undefined) {
      const ahead = (s - this.top) >>> 0
      if (ahead === 0 || (ahead >= 0x80000000 && this.seen.has(s) && ((this.top - s) >>> 0) < this.size)) return 'replayed'
      if (ahead >= 0x80000000 && ((this.top - s) >>> 0) >= this.size) return 'too_old'
      if (ahead < 0x80000000) this.top = s
    } else this.top = s
    this.seen.add(s)
    return 'ok'
  }
}

test('property: the window agrees with a naive oracle on random walks across the wrap', t => {
  t.notThrows(() => fc.assert(fc.property(
    fc.constantFrom(64, 128, 1024),
    fc.oneof(fc.constant(0xffffff00), fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
    fc.array(fc.integer({ min: -300, max: 400 }), { maxLength: 400 }),
    (bits, start, steps) => {
      const w = new ReplayWindow(bits)
      const o = new Oracle(w.size)
      let s = start
      for (const d of steps) {
        s = (s + d) >>> 0
        if (w.accept(s) !== o.accept(s)) return false
      }
      return true
    }), { numRuns: 300 }))
})
