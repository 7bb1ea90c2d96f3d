import test from 'ava'
import { readFileSync } from 'node:fs'
import * as protocol from '../../protocol/index.js'
import { BOOK_COMMAND, BOOK_PATH, CHAPTERS, renderBook, specRegistry } from '../../scripts/book.js'
import type { AnyLayout } from '../../scripts/book.js'

function isLayout (v: unknown): v is AnyLayout {
  if (typeof v !== 'object' || v === null) return false
  const o = v as Record<string, unknown>
  return Array.isArray(o.fields) && typeof o.title === 'string' && typeof o.read === 'function' && typeof o.write === 'function'
}

/** Every layout reachable from the codec's public exports (namespaces nested up to three deep). */
function exportedLayouts (): Map<AnyLayout, string> {
  const found = new Map<AnyLayout, string>()
  const seen = new Set<unknown>()
  const walk = (obj: unknown, where: string, depth: number): void => {
    if (typeof obj !== 'object' || obj === null || seen.has(obj) || depth > 3) return
    seen.add(obj)
    for (const [k, v] of Object.entries(obj)) {
      if (isLayout(v)) found.set(v, `${where}.${k}`)
      else if (typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v)) walk(v, `${where}.${k}`, depth + 1)
    }
  }
  walk(protocol, 'protocol', 0)
  return found
}

const book = renderBook()

test('protocol/README.md is the generated book (not stale)', t => {
  let current = ''
  try { current = readFileSync(BOOK_PATH, 'utf8') } catch { current = '' }
  t.true(current === book, `protocol/README.md is stale: run ${BOOK_COMMAND}`)
})

test('every layout the codec exports is a chapter table of the book, exactly once', t => {
  const inBook = CHAPTERS.flatMap(c => c.layouts.map(l => l.layout))
  const exported = exportedLayouts()
  t.true(exported.size >= 30, `found only ${exported.size} layouts: the walk over protocol/index.ts broke`)
  for (const [layout, where] of exported) {
    t.is(inBook.filter(l => l === layout).length, 1, `${where} (${layout.title}) must appear once in scripts/book.ts CHAPTERS`)
  }
  for (const l of inBook) t.true(exported.has(l), `${l.title} is in the book but not exported by protocol/index.ts`)
})

test('each layout table lists its fields with offsets from the layout, plus the base', t => {
  for (const c of CHAPTERS) {
    for (const { layout, base = 0 } of c.layouts) {
      t.true(book.includes(`### ${layout.title} (${layout.length} bytes)`), layout.title)
      for (const f of layout.fields) t.true(book.includes(`| ${base + f.offset} | ${f.size} | \`${f.name}\` |`), `${layout.title}: ${f.name}`)
    }
  }
})

test('each chapter has its hand-written history note', t => {
  for (const c of CHAPTERS) {
    const note = readFileSync(new URL(`../../scripts/book/${c.note}.md`, import.meta.url), 'utf8').trim()
    t.true(note.length > 100, c.note)
    t.true(book.includes(note), c.note)
  }
  t.regex(book, /Xerox Network Systems/)
  t.regex(book, /RFC 1234/)
  t.regex(book, /IPXNET/)
})

for (const [port, dir] of [['2644', 'tunnel'], ['2629', 'snp']] as const) {
  test(`the ${port} registry is ${dir}/SPEC.md §8, linked and included verbatim`, t => {
    const spec = readFileSync(new URL(`../../protocol/${dir}/SPEC.md`, import.meta.url), 'utf8')
    const registry = specRegistry(spec)
    t.regex(registry, /^\| # \| field \/ behaviour \| status \|/)
    t.true(registry.split('\n').length > 20)
    t.true(book.includes(registry))
    t.true(book.includes(`(${dir}/SPEC.md#8-reconstruction-registry)`))
  })
}

test('specRegistry refuses a SPEC without the registry section', t => {
  t.throws(() => specRegistry('# nothing here\n'))
})
