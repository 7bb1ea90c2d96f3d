import test from 'ava'
import fc from 'fast-check'
import { createHmac } from 'node:crypto'
import { DecodeError, EncodeError, snp, tunnel } from '../../../protocol/index.js'
import type { SnpMessage } from '../../../protocol/snp/index.js'
import { HELLO, KEY1, KEY2, KEYS, arbMessage } from './_arbitraries.js'

function probe (authenticated: boolean, keyId = 1, sequence = 5): SnpMessage {
  return snp.makeMessage({ node: 0x0a0b0c0d0e0f, sequence, authenticated, keyId, timestamp: { seconds: 0x11223344, micros: 0x000f423f } },
    { kind: 'probe', probe: { probeId: 0x01020304 } })
}

function signed (keyId = 1, key = KEY1): Buffer {
  return snp.sign(snp.encode(probe(true, keyId)), key)
}

test('the golden probe is the documented 30 bytes', t => {
  t.is(snp.encode(probe(false)).toString('hex'),
    '534e' + '001e' + '01' + '03' + '00' + '01' + '0a0b0c0d0e0f' + '00000005' + '11223344' + '000f423f' + '01020304')
})

test('SnpOffset agrees with the layout; the header is 26 bytes', t => {
  const byName = new Map(snp.SNP_HEADER.fields.map(f => [f.name.replace('.s', 'S').replace('.m', 'M'), f.offset]))
  for (const [name, offset] of Object.entries(snp.SnpOffset)) t.is(byName.get(name), offset, name)
  t.is(snp.SNP_HEADER.length, snp.SNP_HEADER_LENGTH)
  t.is(snp.SNP_HEADER_LENGTH, 26)
})

test('the magic differs from the native tunnel\'s and from FF FF; isSnp tells them apart', t => {
  t.not(snp.SNP_MAGIC, tunnel.NATIVE_MAGIC)
  t.not(snp.SNP_MAGIC, 0xffff)
  t.true(snp.isSnp(snp.encode(probe(false))))
  t.false(snp.isSnp(tunnel.encode(tunnel.makeFrame({ type: 4, node: 1, sequence: 1 }))))
  t.false(snp.isSnp(Buffer.from('ffff001e', 'hex')))
  t.false(snp.isSnp(Buffer.from('53', 'hex')))
  t.true(snp.isSnp(Buffer.from('00534e', 'hex'), 1))
  t.false(snp.isSnp(Buffer.from('534e', 'hex'), -1))
  t.is(tunnel.classify(snp.encode(probe(false))), 'unknown')
})

test('readFrame returns the header, the body and the tag as views', t => {
  const bytes = signed()
  const f = snp.readFrame(bytes)
  t.is(f.header.type, snp.MessageType.Probe)
  t.is(f.body.length, 4)
  t.is(f.body.buffer, bytes.buffer)
  t.deepEqual(f.tag, bytes.subarray(30))
})

// ----------------------------------------------------------------------------------- authentication

/** The pseudo-header of SPEC.md §5, written out by hand: an independent oracle for the MAC input. */
function pseudoHeader (datagramLength: number, keyId: number): Buffer {
  const p = Buffer.alloc(28)
  p.writeUInt16BE(0x4958, 0)
  p.writeUInt16BE(28 + datagramLength, 2)
  p[4] = 0 // version 0
  p[6] = 0x01
  p[7] = 28
  p[9] = keyId
  return p
}

test('the tag is HMAC-SHA-256 of the pseudo-header and the datagram before the tag, truncated to 16 bytes', t => {
  const bytes = signed()
  const mac = createHmac('sha256', KEY1)
    .update(pseudoHeader(bytes.length, 1))
    .update(bytes.subarray(0, bytes.length - 16))
    .digest().subarray(0, 16)
  t.deepEqual(bytes.subarray(bytes.length - 16), mac)
  t.deepEqual(snp.decode(bytes).tag, mac)
})

test('a signed datagram verifies with the key its keyId names', t => {
  t.is(snp.verify(signed(1, KEY1), KEYS), 'ok')
  t.is(snp.verify(signed(2, KEY2), KEYS), 'ok')
})

test('a wrong key, or a wrong key id, fails', t => {
  t.is(snp.verify(signed(1, KEY2), KEYS), 'bad_tag')
  const f = signed(1, KEY1)
  f[snp.SnpOffset.keyId] = 3
  t.is(snp.verify(f, KEYS), 'unknown_key')
  f[snp.SnpOffset.keyId] = 2
  t.is(snp.verify(f, KEYS), 'bad_tag')
})

test('unsigned and malformed datagrams are reported, never thrown', t => {
  t.is(snp.verify(snp.encode(probe(false)), KEYS), 'unsigned')
  t.is(snp.verify(snp.encode(probe(false)), new Map()), 'unsigned')
  t.is(snp.verify(Buffer.alloc(0), KEYS), 'malformed')
  const f = signed()
  t.is(snp.verify(f.subarray(0, f.length - 1), KEYS), 'malformed')
  t.is(snp.verify(Buffer.concat([f, Buffer.alloc(1)]), KEYS), 'malformed')
  const short = snp.encode(probe(false))
  short[snp.SnpOffset.flags] = 1
  t.is(snp.verify(short, KEYS), 'malformed')
  t.notThrows(() => fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), a => {
    const b = Buffer.from(a)
    if (b.length >= 4) { b[0] = 0x53; b[1] = 0x4e; b.writeUInt16BE(b.length, 2) }
    return ['ok', 'unsigned', 'unknown_key', 'bad_tag', 'malformed'].includes(snp.verify(b, KEYS))
  }), { numRuns: 1000 }))
})

test('property: any flipped bit of a signed datagram fails verify', t => {
  t.notThrows(() => fc.assert(fc.property(arbMessage, fc.nat(), (msg, bit) => {
    const m = snp.makeMessage({ ...msg.header, authenticated: true, keyId: 1 }, msg.body)
    const bytes = snp.sign(snp.encode(m, undefined, 0, snp.SNP_MAX_LENGTH), KEY1)
    if (snp.verify(bytes, KEYS) !== 'ok') return false
    const i = bit % (bytes.length * 8)
    bytes[i >>> 3] = bytes[i >>> 3]! ^ (1 << (i & 7))
    return snp.verify(bytes, KEYS) !== 'ok'
  }), { numRuns: 300 }))
})

test('sign refuses short keys, unflagged datagrams and non-datagrams', t => {
  const d = snp.encode(probe(true))
  t.throws(() => snp.sign(d, Buffer.alloc(15)), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.is(snp.sign(d, Buffer.alloc(16, 1)), d)
  t.throws(() => snp.sign(snp.encode(probe(false)), KEY1), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => snp.sign(tunnel.encode(tunnel.makeFrame({ type: 4, node: 1, sequence: 1, authenticated: true })), KEY1),
    { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => snp.sign(Buffer.concat([d, Buffer.alloc(2)]), KEY1), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  const short = snp.encode(probe(false))
  short[snp.SnpOffset.flags] = 1
  t.throws(() => snp.sign(short, KEY1), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
})

test('domain separation: SNP and native tags never stand in for each other', t => {
  const d = signed()
  // The MAC input rebuilt as bytes (pseudo-header ‖ datagram) passes the native MAC check ...
  const pd = Buffer.concat([pseudoHeader(d.length, 1), d])
  t.is(tunnel.verify(pd, KEYS), 'ok')
  // ... but no native receiver gets that far: its decoder rejects version 0 first (tunnel SPEC §7).
  const err = t.throws(() => tunnel.decode(pd), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_VALUE' })
  t.is(err?.offset, tunnel.NativeOffset.version)
  // Each verifier calls the other's datagrams malformed.
  t.is(tunnel.verify(d, KEYS), 'malformed')
  const native = tunnel.sign(tunnel.encode(tunnel.makeFrame({ type: 4, node: 1, sequence: 1, authenticated: true, keyId: 1 })), KEY1)
  t.is(snp.verify(native, KEYS), 'malformed')
  // An SNP datagram whose bytes equal a native frame's after the magic still carries a different tag.
  const asSnp = Buffer.from(native)
  asSnp[0] = 0x53; asSnp[1] = 0x4e
  t.not(snp.verify(asSnp, KEYS), 'ok')
})

test('the replay window is the native tunnel\'s, reused', t => {
  t.is(snp.ReplayWindow, tunnel.ReplayWindow)
  const w = new snp.ReplayWindow()
  t.is(w.accept(0xffffffff), 'ok')
  t.is(w.accept(0), 'ok')
  t.is(w.check(0xffffffff), 'replayed')
})

test('the receiver can count every outcome: decode code, verify result, replay', t => {
  const counts = new Map<string, number>()
  const bump = (k: string): void => { counts.set(k, (counts.get(k) ?? 0) + 1) }
  const window = new snp.ReplayWindow()
  const hello = snp.sign(snp.encode(snp.makeMessage({ node: 0xbb, sequence: 9, authenticated: true, keyId: 1 }, { kind: 'hello', hello: HELLO })), KEY1)
  const datagrams = [hello, hello, signed(1, KEY2), snp.encode(probe(false)), Buffer.from('534e0003', 'hex'), Buffer.from('hello')]
  for (const d of datagrams) {
    let msg: SnpMessage
    try { msg = snp.decode(d) } catch (e) { if (e instanceof DecodeError) { bump(e.code); continue } throw e }
    if (window.check(msg.header.sequence) !== 'ok') { bump('replayed'); continue }
    const v = snp.verify(d, KEYS)
    if (v !== 'ok') { bump(v); continue }
    window.accept(msg.header.sequence)
    bump('accepted')
  }
  t.deepEqual(Object.fromEntries(counts), {
    accepted: 1, replayed: 1, bad_tag: 1, unsigned: 1, IPX_ERR_BAD_LENGTH: 1, IPX_ERR_BAD_MAGIC: 1
  })
})
