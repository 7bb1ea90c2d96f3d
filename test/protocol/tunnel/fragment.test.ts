/**
 * LFI fragments (protocol/tunnel/fragment.ts, SPEC.md §3.2): the body codec, the fragmenter, the
 * bounded reassembler, and version 2 frames. Properties: any packet split at any size, its
 * fragments reordered, duplicated and partly lost, either comes back byte for byte or is counted
 * incomplete by reason, and every fragment ends in exactly one counter.
 */
import test from 'ava'
import fc from 'fast-check'
import { DecodeError, EncodeError } from '../../../protocol/index.js'
import {
  Capability, FRAGMENT_HEADER_LENGTH, FragmentDrop, MessageType, NATIVE_VERSION_LFI, Reassembler, ReassemblyFailure,
  decode, decodeFragment, encode, encodeFragment, fragmentPacket, makeFrame
} from '../../../protocol/tunnel/index.js'
import type { ReassemblyStats } from '../../../protocol/tunnel/index.js'
import { arbIpxPacket, ipxBytes } from './_arbitraries.js'

function sum (r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0)
}

/** Every fragment received is accepted or dropped; every accepted one is in a completed, given-up or pending packet. */
function reconciles (s: ReassemblyStats): boolean {
  return s.fragmentsReceived === s.fragmentsAccepted + sum(s.fragmentsDropped)
}

test('fragmentPacket: chunks in order, the last shorter, a packet that fits is not fragmented', t => {
  const p = ipxBytes(70)
  t.is(p.length, 100)
  t.deepEqual(fragmentPacket(p, 100, 1), [])
  const frags = fragmentPacket(p, 32, 0x1_0005).map(b => decodeFragment(b))
  t.deepEqual(frags.map(f => [f.frameId, f.index, f.count, f.offset, f.totalLength, f.data.length]),
    [[5, 0, 4, 0, 100, 32], [5, 1, 4, 32, 100, 32], [5, 2, 4, 64, 100, 32], [5, 3, 4, 96, 100, 4]])
  t.deepEqual(Buffer.concat(frags.map(f => f.data)), p)
  t.throws(() => fragmentPacket(ipxBytes(300), 1, 1), { instanceOf: EncodeError }, 'more than 255 fragments')
  t.throws(() => fragmentPacket(p, 0, 1), { instanceOf: EncodeError })
})

test('decodeFragment: every inconsistency is a DecodeError with its code', t => {
  const good = { frameId: 1, index: 0, count: 2, offset: 0, totalLength: 40, data: Buffer.alloc(20) }
  t.notThrows(() => decodeFragment(encodeFragment(good)))
  t.throws(() => decodeFragment(Buffer.alloc(7)), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
  const raw = encodeFragment(good)
  const bad = (at: number, v: number, code: string): void => {
    const b = Buffer.from(raw)
    b[at] = v
    t.throws(() => decodeFragment(b), { instanceOf: DecodeError, code: code as never }, `byte ${at} = ${v}`)
  }
  bad(3, 1, 'IPX_ERR_BAD_VALUE') // count 1
  bad(2, 2, 'IPX_ERR_BAD_VALUE') // index = count
  bad(7, 29, 'IPX_ERR_BAD_LENGTH') // total below an IPX header
  bad(5, 30, 'IPX_ERR_LENGTH_BEYOND_DATA') // 30 + 20 > 40
  t.throws(() => decodeFragment(raw.subarray(0, FRAGMENT_HEADER_LENGTH)), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_LENGTH' })
  t.throws(() => encodeFragment({ ...good, index: 2 }), { instanceOf: EncodeError })
})

test('version 2: fragment frames are version 2, version 1 cannot carry one, other types decode in both', t => {
  const body = fragmentPacket(ipxBytes(100), 64, 3)[0]!
  const f = makeFrame({ type: MessageType.Fragment, node: 1, sequence: 9 }, body)
  t.is(f.header.version, NATIVE_VERSION_LFI)
  const bytes = encode(f)
  t.deepEqual(decode(bytes).payload, body)
  const v1 = Buffer.from(bytes)
  v1[4] = 1
  t.throws(() => decode(v1), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_VALUE', message: /needs version 2/ })
  t.throws(() => encode({ ...f, header: { ...f.header, version: 1 } }), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  const data = encode(makeFrame({ type: MessageType.Data, node: 1, sequence: 1 }, ipxBytes(4)))
  data[4] = 2
  t.is(decode(data).header.version, 2, 'a version 2 receiver reads version 1 messages in version 2 frames too')
  const empty = Buffer.from(bytes.subarray(0, 28 + FRAGMENT_HEADER_LENGTH))
  empty.writeUInt16BE(empty.length, 2)
  t.throws(() => decode(empty), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_LENGTH' }, 'a fragment with no data')
  t.is(Capability.Fragment, 0x10)
})

test('Reassembler: in order, out of order, duplicates, stragglers after a timeout', t => {
  const p = ipxBytes(200)
  const frags = fragmentPacket(p, 64, 7)
  const r = new Reassembler({ timeoutMs: 100 })
  t.like(r.push(frags[2]!, 0), { kind: 'pending' })
  t.like(r.push(frags[0]!, 1), { kind: 'pending' })
  t.like(r.push(frags[0]!, 1), { kind: 'dropped', reason: FragmentDrop.Duplicate })
  t.like(r.push(frags[1]!, 2), { kind: 'pending' })
  const done = r.push(frags[3]!, 3)
  t.is(done.kind, 'complete')
  if (done.kind === 'complete') t.deepEqual(done.packet, p)
  // A second packet loses a fragment and times out; its straggler is late.
  const q = fragmentPacket(ipxBytes(100), 64, 8)
  r.push(q[0]!, 10)
  r.sweep(200)
  t.like(r.push(q[1]!, 201), { kind: 'dropped', reason: FragmentDrop.Late })
  const s = r.stats()
  t.is(s.framesCompleted, 1)
  t.is(s.framesIncomplete[ReassemblyFailure.Timeout], 1)
  t.is(s.fragmentsDiscarded, 1)
  t.is(s.pending, 0)
  t.true(reconciles(s))
})

test('Reassembler: bounded: the oldest packet is evicted, oversize and inconsistent fragments are refused', t => {
  const r = new Reassembler({ maxFrames: 2, maxPacket: 300 })
  for (let id = 0; id < 3; id++) r.push(fragmentPacket(ipxBytes(100), 50, id)[0]!, id)
  let s = r.stats()
  t.is(s.pending, 2)
  t.is(s.framesIncomplete[ReassemblyFailure.Evicted], 1)
  t.like(r.push(fragmentPacket(ipxBytes(400), 200, 9)[0]!, 5), { kind: 'dropped', reason: FragmentDrop.Oversize })
  // Same id, another count: the packet is abandoned.
  t.like(r.push(fragmentPacket(ipxBytes(100), 20, 1)[1]!, 6), { kind: 'dropped', reason: FragmentDrop.Inconsistent })
  t.like(r.push(Buffer.from('junk'), 7), { kind: 'dropped', reason: FragmentDrop.Malformed })
  r.flush(8)
  s = r.stats()
  t.is(s.framesIncomplete[ReassemblyFailure.Inconsistent], 1)
  t.is(s.framesIncomplete[ReassemblyFailure.Flushed], 1)
  t.is(s.pending, 0)
  t.true(reconciles(s))
})

test('Reassembler: chunks that do not tile the packet, and a rebuilt IPX length that is wrong, are counted', t => {
  const r = new Reassembler()
  const a = encodeFragment({ frameId: 1, index: 0, count: 2, offset: 0, totalLength: 60, data: ipxBytes(30).subarray(0, 30) })
  const b = encodeFragment({ frameId: 1, index: 1, count: 2, offset: 20, totalLength: 60, data: Buffer.alloc(30) })
  r.push(a, 0)
  t.like(r.push(b, 0), { kind: 'failed', reason: ReassemblyFailure.Inconsistent })
  const bad = ipxBytes(30) // IPX length 60, but the packet says 60 and we lie in the header below
  bad.writeUInt16BE(59, 2)
  const [x, y] = fragmentPacket(bad, 40, 2)
  r.push(x!, 1)
  t.like(r.push(y!, 1), { kind: 'failed', reason: ReassemblyFailure.BadLength })
})

test('property: random packets, split at random sizes, shuffled, duplicated and partly lost, rebuild exactly or are counted', t => {
  fc.assert(fc.property(
    fc.array(fc.record({ packet: arbIpxPacket(1400), chunk: fc.integer({ min: 8, max: 600 }) }), { minLength: 1, maxLength: 12 }),
    fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
    fc.double({ min: 0, max: 0.4, noNaN: true }),
    fc.integer({ min: 1, max: 0xffffffff }),
    (packets, order, lossRate, seed) => {
      let rnd = seed
      const next = (): number => { rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0; return rnd / 2 ** 32 }
      const all: Array<{ id: number, body: Buffer }> = []
      const fragmented = new Set<number>()
      packets.forEach((x, id) => {
        const frags = x.packet.length <= 255 * x.chunk ? fragmentPacket(x.packet, x.chunk, id) : []
        if (frags.length > 0) fragmented.add(id)
        for (const body of frags) {
          if (next() < lossRate) continue
          all.push({ id, body })
          if (next() < 0.1) all.push({ id, body })
        }
      })
      // A random permutation driven by `order`.
      for (let i = all.length - 1; i > 0; i--) {
        const j = (order[i % order.length]! + Math.floor(next() * 1000)) % (i + 1)
        ;[all[i], all[j]] = [all[j]!, all[i]!]
      }
      const r = new Reassembler({ maxFrames: 64, maxBytes: 1 << 20, maxPacket: 1500 })
      const rebuilt = new Map<number, Buffer>()
      for (const f of all) {
        const res = r.push(f.body, 0)
        if (res.kind === 'complete') rebuilt.set(f.id, Buffer.from(res.packet))
        if (res.kind === 'failed') return false
      }
      for (const [id, p] of rebuilt) if (!p.equals(packets[id]!.packet)) return false
      r.sweep(10_000)
      const s = r.stats()
      return reconciles(s) && s.pending === 0 &&
        s.framesCompleted === rebuilt.size &&
        s.framesCompleted + s.framesIncomplete[ReassemblyFailure.Timeout] === new Set(all.map(f => f.id)).size &&
        [...rebuilt.keys()].every(id => fragmented.has(id))
    }
  ), { numRuns: 200 })
  t.pass()
})
