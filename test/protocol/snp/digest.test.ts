import test from 'ava'
import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import { EncodeError, snp } from '../../../protocol/index.js'
import type { ClassTableInput } from '../../../protocol/snp/index.js'

const TABLE = {
  rules: [{ socket: 0x869c, class: 'game' }],
  classes: [{ weight: 4, name: 'game', queue: 32 }, { name: 'bulk', weight: 1, queue: 256 }]
}

test('known answer: the worked example of SPEC.md §4 (cross-checked with Python json + hashlib)', t => {
  t.is(snp.canonicalJson(TABLE),
    '{"classes":[{"name":"game","queue":32,"weight":4},{"name":"bulk","queue":256,"weight":1}],"rules":[{"class":"game","socket":34460}]}')
  t.is(snp.classTableDigest(TABLE).toString('hex'), '1f9c65de7fbb633a5f9c6f9e70b1ef28')
  t.is(snp.classTableDigest(TABLE, 8).toString('hex'), '1f9c65de7fbb633a')
})

test('the digest is 16 bytes by default, 8 on request (a prefix of the same hash), nothing else', t => {
  t.is(snp.classTableDigest(TABLE).length, snp.SNP_DIGEST_LENGTH)
  t.deepEqual(snp.classTableDigest(TABLE, 8), snp.classTableDigest(TABLE).subarray(0, 8))
  t.throws(() => snp.classTableDigest(TABLE, 12 as 8), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
})

/** A copy of `v` with every object's keys in a random order (at every depth). */
function shuffleKeys (v: unknown, rand: () => number): unknown {
  if (Array.isArray(v)) return v.map(x => shuffleKeys(x, rand))
  if (typeof v !== 'object' || v === null) return v
  const entries = Object.entries(v).map(([k, x]) => [k, shuffleKeys(x, rand)] as const)
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    const tmp = entries[i]!
    entries[i] = entries[j]!
    entries[j] = tmp
  }
  return Object.fromEntries(entries)
}

const arbJson = fc.jsonValue({ maxDepth: 3 })
const arbClass = fc.record({
  name: fc.string({ maxLength: 12 }),
  weight: fc.integer({ min: 1, max: 100 }),
  queue: fc.integer({ min: 1, max: 1024 }),
  extra: arbJson
})
const arbTable = fc.record({ classes: fc.array(arbClass, { minLength: 1, maxLength: 8 }), rules: fc.array(arbJson, { maxLength: 5 }) })

test('property: key order does not matter, at any depth', t => {
  t.notThrows(() => fc.assert(fc.property(arbTable, fc.integer(), (table, seed) => {
    let s = seed >>> 0
    const rand = (): number => { s = (s * 1103515245 + 12345) >>> 0; return s / 2 ** 32 }
    const shuffled = shuffleKeys(table, rand) as ClassTableInput
    return snp.classTableDigest(shuffled).equals(snp.classTableDigest(table))
  }), { numRuns: 300 }))
})

test('property: any change in a class changes the digest', t => {
  t.notThrows(() => fc.assert(fc.property(arbTable, fc.nat(), fc.constantFrom('name', 'weight', 'queue', 'new'), (table, at, what) => {
    const i = at % table.classes.length
    const before = snp.classTableDigest(table)
    const c = { ...table.classes[i]! }
    if (what === 'name') c.name += 'x'
    else if (what === 'weight') c.weight += 1
    else if (what === 'queue') c.queue += 1
    else Object.assign(c, { ceil: 1 })
    const classes = table.classes.map((x, j) => j === i ? c : x)
    return !snp.classTableDigest({ ...table, classes }).equals(before)
  }), { numRuns: 300 }))
})

test('class order and rule order matter (ids and first-match); adding a rule or a class matters', t => {
  const d = snp.classTableDigest(TABLE)
  t.false(snp.classTableDigest({ ...TABLE, classes: [...TABLE.classes].reverse() }).equals(d))
  const two = { ...TABLE, rules: [{ socket: 1, class: 'bulk' }, { socket: 2, class: 'game' }] }
  t.false(snp.classTableDigest({ ...two, rules: [...two.rules].reverse() }).equals(snp.classTableDigest(two)))
  t.false(snp.classTableDigest({ ...TABLE, rules: [...TABLE.rules, { socket: 0x4000, class: 'bulk' }] }).equals(d))
  t.false(snp.classTableDigest({ ...TABLE, classes: [...TABLE.classes, { name: 'x', weight: 1 }] }).equals(d))
  t.false(snp.classTableDigest({ ...TABLE, version: 2 } as ClassTableInput).equals(d))
})

test('undefined members are left out, like an unset optional field; -0 and 1.0 are written as numbers are', t => {
  const withUndefined = { ...TABLE, classes: [{ ...TABLE.classes[0]!, ceil: undefined }, TABLE.classes[1]!] }
  t.deepEqual(snp.classTableDigest(withUndefined), snp.classTableDigest(TABLE))
  t.is(snp.canonicalJson({ classes: [{ name: 'a', weight: -0 }], rules: [1.0, 0.5, 1e21, 'é\n"'] }),
    '{"classes":[{"name":"a","weight":0}],"rules":[1,0.5,1e+21,"é\\n\\""]}')
})

test('keys sort by UTF-16 code units (RFC 8785 §3.2.3)', t => {
  // U+1F600 (surrogates D83D DE00) sorts before U+FB01 in UTF-16, after it by code point.
  t.is(snp.canonicalJson({ classes: [], rules: [{ '\ufb01': 1, '\u{1f600}': 2, a: 3, B: 4 }] }),
    '{"classes":[],"rules":[{"B":4,"a":3,"\u{1f600}":2,"\ufb01":1}]}')
})

test('property: the canonical text parses back to the same table and is its own canonical form', t => {
  t.notThrows(() => fc.assert(fc.property(arbTable, table => {
    const text = snp.canonicalJson(table)
    const parsed = JSON.parse(text) as ClassTableInput
    return snp.canonicalJson(parsed) === text && isDeepStrictEqual(parsed, JSON.parse(JSON.stringify(table)))
  }), { numRuns: 200 }))
})

test('non-JSON values and a wrong shape are refused with their path: IPX_ERR_FIELD_RANGE', t => {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  const bad: Array<[string, unknown]> = [
    ['$.rules[0]', { classes: [], rules: [Number.NaN] }],
    ['$.rules[0]', { classes: [], rules: [Infinity] }],
    ['$.rules[0]', { classes: [], rules: [10n] }],
    ['$.rules[0]', { classes: [], rules: [() => 1] }],
    ['$.rules[0]', { classes: [], rules: [Symbol('x')] }],
    ['$.rules[0]', { classes: [], rules: [new Date(0)] }],
    ['$.rules[0]', { classes: [], rules: [new Map()] }],
    ['$.rules[0]', { classes: [], rules: [Buffer.alloc(1)] }],
    ['$.rules[1]', { classes: [], rules: [1, undefined] }],
    ['$.rules[0].self', { classes: [], rules: [cyclic] }],
    ['$', null],
    ['$', []],
    ['$.classes', { rules: [] }],
    ['$.rules', { classes: [] }],
    ['$.classes[0]', { classes: [1], rules: [] }],
    ['$.classes[0].name', { classes: [{ weight: 1 }], rules: [] }],
    ['$.classes[0].weight', { classes: [{ name: 'a', weight: Number.NaN }], rules: [] }],
    ['$.classes[0].weight', { classes: [{ name: 'a', weight: '1' }], rules: [] }]
  ]
  for (const [field, table] of bad) {
    const err = t.throws(() => snp.classTableDigest(table as ClassTableInput), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' }, field)
    t.is(err?.field, field, field)
  }
  // A shared (non-cyclic) object is fine.
  const shared = { socket: 1 }
  t.notThrows(() => snp.classTableDigest({ classes: [], rules: [shared, shared] }))
  t.notThrows(() => snp.classTableDigest({ classes: [], rules: [Object.create(null) as object] }))
})
