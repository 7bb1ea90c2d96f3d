import test from 'ava'
import fc from 'fast-check'
import { filter, dissect } from '../../protocol/index.js'

const V = dissect.FILTER_VOCABULARY

function source (fields: Record<string, Array<number | string>>, protocols: string[] = []): filter.FieldSource {
  return { values: n => fields[n] ?? [], hasProtocol: p => protocols.includes(p) }
}

const sapResponse = source({ 'ipx.dst.socket': [0x0452], 'ipx.src.socket': [0x4003], 'ipxsap.packet_type': [2], 'ipxsap.server.name': ['FS1', 'PS1'], 'ipxsap.server.type': [4, 7] }, ['ipx', 'ipxsap', 'sap'])

function passes (text: string, s: filter.FieldSource = sapResponse): boolean {
  return filter.matches(filter.parseFilter(text, V), s)
}

test('comparisons, and/or/not in both spellings, parentheses, bare protocol and field names', t => {
  t.true(passes('ipx.dst.socket == 0x0452 and ipxsap.packet_type == 2'))
  t.true(passes('ipx.dst.socket eq 1106 && ipxsap.packet_type ne 1'))
  t.false(passes('ipx.dst.socket != 0x0452'))
  t.true(passes('ipxsap.packet_type < 3 and ipxsap.packet_type > 1 and ipxsap.packet_type <= 2 and ipxsap.packet_type >= 2'))
  t.true(passes('sap'))
  t.true(passes('ipxsap && !ncp'))
  t.false(passes('not ipxsap or ncp'))
  t.true(passes('(ncp or sap) and not (rip)'))
  t.true(passes('ipxsap.server.name'))
  t.false(passes('ncp.func'))
})

test('a field that occurs several times matches when any occurrence does; != is not ==', t => {
  t.true(passes('ipxsap.server.name == "PS1"'))
  t.true(passes('ipxsap.server.type == 7'))
  t.false(passes('ipxsap.server.type != 7'), 'Wireshark 3.6+: a != b is !(a == b)')
  t.true(passes('ipxsap.server.type != 5'))
  t.false(passes('ipxsap.server.name == 4'), 'a string field never equals a number')
})

test('not binds tightest, then and, then or', t => {
  t.true(passes('ncp and rip or sap'))
  t.false(passes('ncp and (rip or sap)'))
  t.true(passes('not ncp and sap'))
})

test('MAC-style nodes compare as the number the dissection holds', t => {
  const s = source({ 'ipx.dst.node': [0xffffffffffff] })
  t.true(passes('ipx.dst.node == ff:ff:ff:ff:ff:ff', s))
  t.true(passes('ipx.dst.node == FF-FF-FF-FF-FF-FF', s))
  t.false(passes('ipx.dst.node == 00:00:00:00:00:01', s))
})

const errors: Array<[string, number, RegExp]> = [
  ['ipx.dst.socket == ', 19, /expected a value after "=="/],
  ['ipxx.foo == 1', 1, /"ipxx.foo" is neither a field nor a protocol name/],
  ['(sap or rip', 12, /expected "\)"/],
  ['sap or rip)', 11, /closes nothing/],
  ['sap rip', 5, /expected "and", "or"/],
  ['ipxsap.server.name == "FS1', 23, /no closing quote/],
  ['', 1, /empty/],
  ['sap and', 8, /ends where a field/],
  ['ipx.len == 0x1g', 12, /unexpected|expected/],
  ['ipx.len $ 3', 9, /unexpected "\$"/]
]
for (const [text, column, reason] of errors) {
  test(`syntax error at column ${column}: ${JSON.stringify(text)}`, t => {
    const e = t.throws(() => filter.parseFilter(text, V), { instanceOf: filter.FilterSyntaxError })
    t.is(e?.column, column)
    t.regex(e?.reason ?? '', reason)
    t.regex(filter.formatFilterError(e!), new RegExp(`\\n {${column - 1}}\\^ `))
  })
}

test('property: any text either parses or throws FilterSyntaxError with a column inside it (+1)', t => {
  fc.assert(fc.property(fc.string({ maxLength: 40 }), text => {
    try {
      filter.parseFilter(text, V)
    } catch (err) {
      if (!(err instanceof filter.FilterSyntaxError)) throw err
      return err.column >= 1 && err.column <= text.length + 1
    }
    return true
  }))
  t.pass()
})

test('the vocabulary holds the layouts\' Wireshark names and the either-end fields', t => {
  for (const n of ['ipx.dst.socket', 'ipx.socket', 'ipxsap.server.name', 'ipxrip.route_vector', 'ncp.func', 'ncp.subfunc', 'spx.ctl', 'netbios.nb_name', 'eth.type', 'eth.len', '_ws.col.Info']) t.true(V.fields.has(n), n)
  for (const p of ['ipx', 'spx', 'ncp', 'ipxsap', 'sap', 'ipxrip', 'rip', 'nbipx', 'netbios', 'nmpi', 'browser', 'eth', 'llc']) t.true(V.protocols.has(p), p)
  t.false(V.fields.has('eth.type / eth.len'))
})
