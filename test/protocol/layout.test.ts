import test from 'ava'
import { defineLayout, composeLayouts, DecodeError } from '../../protocol/index.js'
import type { Layout } from '../../protocol/index.js'

interface Entry { network: number, hops: number }
const ENTRY = defineLayout<Entry>('rip', 'test entry', [
  { name: 'network', type: 'u32', doc: 'n' },
  { name: 'hops', type: 'u16', doc: 'h' }
])
interface Nested { a: { node: number }, b: number }
const NESTED = defineLayout<Nested>('ipx', 'nested', [
  { name: 'a.node', type: 'u48', doc: 'a node' },
  { name: 'b', type: 'u8', doc: 'b' }
])

test('readMany reads back-to-back and strided entries at any offset, equal to read one by one', t => {
  const buf = Buffer.from('ee' + '0000000a0001' + '0000000b0002' + '0000000c0003', 'hex')
  t.deepEqual(ENTRY.readMany(buf, 1, 3), [1, 7, 13].map(at => ENTRY.read(buf, at)))
  const strided = Buffer.from('0000000a0001ffff' + '0000000b0002', 'hex')
  t.deepEqual(ENTRY.readMany(strided, 0, 2, 8), [{ network: 10, hops: 1 }, { network: 11, hops: 2 }])
  const nested = Buffer.from('0102030405060708' + '0a0b0c0d0e0f11', 'hex')
  t.deepEqual(NESTED.readMany(nested, 1, 2, 7), [NESTED.read(nested, 1), NESTED.read(nested, 8)], 'nested fields are reshaped')
  t.deepEqual(ENTRY.readMany(Buffer.alloc(0), 5, 0), [], 'an empty list needs no bytes')
})

test('readMany refuses a list that runs past the buffer with IPX_ERR_TRUNCATED', t => {
  const err = t.throws(() => ENTRY.readMany(Buffer.alloc(17), 0, 3), { instanceOf: DecodeError })
  t.is(err?.code, 'IPX_ERR_TRUNCATED')
  t.throws(() => ENTRY.readMany(Buffer.alloc(13), 0, 2, 8), { instanceOf: DecodeError })
  t.is(ENTRY.readMany(Buffer.alloc(14), 0, 2, 8).length, 2, 'the last entry needs only its own bytes, not its stride')
})

test('composeLayouts lays the parts back to back under their prefixes', t => {
  const both = composeLayouts<{ x: Entry, y: Entry }>('rip', 'two', [{ prefix: 'x', layout: ENTRY as Layout<unknown> }, { prefix: 'y', layout: ENTRY as Layout<unknown> }])
  t.is(both.length, 12)
  t.deepEqual(both.fields.map(f => [f.name, f.offset]), [['x.network', 0], ['x.hops', 4], ['y.network', 6], ['y.hops', 10]])
  const buf = Buffer.from('0000000a0001' + '0000000b0002', 'hex')
  t.deepEqual(both.read(buf, 0), { x: { network: 10, hops: 1 }, y: { network: 11, hops: 2 } })
})
