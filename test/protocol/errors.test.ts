import test from 'ava'
import { DecodeError, EncodeError, OptionsError, isDecodeError, isEncodeError } from '../../protocol/index.js'
import type * as Errors from '../../protocol/errors.js'

/** A second, separately loaded copy of the errors module, as when two copies of ipxlab/protocol are installed. */
async function secondCopy (): Promise<typeof Errors> {
  const url = new URL('../../protocol/errors.ts', import.meta.url)
  url.search = '?copy=2'
  return await import(url.href) as typeof Errors
}

test('a second copy of the module has its own classes, and instanceof still holds both ways', async t => {
  const other = await secondCopy()
  t.not(other.DecodeError, DecodeError, 'really a second copy')
  const d = new other.DecodeError('ipx', 'IPX_ERR_TRUNCATED', 3, 'short')
  const e = new other.EncodeError('ipx', 'IPX_ERR_FIELD_RANGE', 'too big', 'dst.socket')
  const o = new other.OptionsError('tunnel', 'maxLength', 'out of range')
  t.true(d instanceof DecodeError)
  t.true(e instanceof EncodeError)
  t.true(o instanceof OptionsError)
  t.true(isDecodeError(d))
  t.true(isEncodeError(e))
  t.true(new DecodeError('ipx', 'IPX_ERR_TRUNCATED', 0, 'x') instanceof other.DecodeError)
})

test('the brands do not mix: a DecodeError is no EncodeError, an OptionsError neither, and plain errors are none', t => {
  const d = new DecodeError('ipx', 'IPX_ERR_TRUNCATED', 0, 'x')
  const o = new OptionsError('tunnel', 'maxLength', 'x')
  t.false(d instanceof EncodeError)
  t.false(o instanceof EncodeError)
  t.false(o instanceof DecodeError)
  t.true(o instanceof RangeError, 'an options fault is a RangeError, as Node reports bad arguments')
  t.true(d instanceof Error)
  for (const v of [new Error('x'), new RangeError('x'), null, undefined, 7, 'DecodeError', { code: 'IPX_ERR_TRUNCATED' }]) {
    t.false(v instanceof DecodeError)
    t.false(v instanceof EncodeError)
    t.false(v instanceof OptionsError)
  }
})

test('subclasses keep the ordinary prototype test', t => {
  class Narrow extends DecodeError {}
  t.true(new Narrow('ipx', 'IPX_ERR_TRUNCATED', 0, 'x') instanceof Narrow)
  t.false(new DecodeError('ipx', 'IPX_ERR_TRUNCATED', 0, 'x') instanceof Narrow)
  t.true(new Narrow('ipx', 'IPX_ERR_TRUNCATED', 0, 'x') instanceof DecodeError)
})
