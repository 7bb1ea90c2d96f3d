/**
 * Display filters in Wireshark's syntax, the subset a learner types (`-Y` on decode, lint and
 * explain): field names as Wireshark spells them, comparisons `==` `!=` `<` `>` `<=` `>=` (and
 * `eq ne lt gt le ge`), `and`/`&&`, `or`/`||`, `not`/`!`, parentheses, and bare names (a protocol
 * such as `sap` or `ncp`, or a field, true when the frame has it). Values are numbers (decimal or
 * 0x hex), quoted strings, and MAC-style node addresses (`ff:ff:ff:ff:ff:ff`).
 *
 * Semantics follow Wireshark's `doc/wireshark-filter.adoc`: a field that occurs several times (SAP
 * entries, RIP routes, `ipx.socket` meaning either socket) satisfies `==` and the orderings when
 * any occurrence does; `a != b` is `!(a == b)` (Wireshark 3.6 and later). Precedence: `not` binds
 * tightest, then `and`, then `or`, as in TShark 4.0.17 (`ipxsap or ipxrip and ncp` selects the SAP
 * frames; checked in test/conformance/tshark-filter.test.ts).
 *
 * A hand-written recursive-descent parser: the grammar is a dozen lines, and it must report the
 * column of a syntax error and reject unknown field names the way Wireshark does, which a parser
 * generator (peggy) would give only with a build step and a generated file for the same size.
 * Pure: the fields come from a {@link FieldSource} (the dissection).
 */

/** A syntax or name error, with the 1-based column where it was found. */
export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError'
  constructor (readonly column: number, readonly reason: string, readonly text: string) {
    super(`column ${column}: ${reason}`)
  }
}

/** What a filter asks of a frame. */
export interface FieldSource {
  /** The values of a field in the frame (empty when absent). */
  values: (name: string) => ReadonlyArray<number | string>
  /** True when the frame has the protocol (`ipx`, `ipxsap`, `ncp`, ...). */
  hasProtocol: (name: string) => boolean
}

/** Names the parser accepts: protocols and fields. */
export interface FilterVocabulary {
  protocols: ReadonlySet<string>
  fields: ReadonlySet<string>
}

type Op = '==' | '!=' | '<' | '>' | '<=' | '>='
type Value = number | string

/** A parsed filter. */
export type FilterNode =
  | { kind: 'and' | 'or', left: FilterNode, right: FilterNode }
  | { kind: 'not', operand: FilterNode }
  | { kind: 'present', name: string, protocol: boolean }
  | { kind: 'compare', name: string, op: Op, value: Value }

type Token =
  | { t: 'word', v: string, at: number }
  | { t: 'number', v: number, at: number }
  | { t: 'string', v: string, at: number }
  | { t: 'op', v: string, at: number }
  | { t: 'end', at: number }

const WORD_OPS: Readonly<Record<string, string>> = { eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=', and: '&&', or: '||', not: '!' }
const MAC = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}/
const NUMBER = /^(0[xX][0-9a-fA-F]+|[0-9]+)(?![0-9A-Za-z_.:])/
const WORD = /^[A-Za-z_][A-Za-z0-9_.-]*/

function tokenize (text: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === ' ' || c === '\t') { i++; continue }
    const rest = text.slice(i)
    const at = i + 1
    const two = rest.slice(0, 2)
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) { out.push({ t: 'op', v: two, at }); i += 2; continue }
    if ('<>!()'.includes(c)) { out.push({ t: 'op', v: c, at }); i++; continue }
    if (c === '"') {
      const end = text.indexOf('"', i + 1)
      if (end < 0) throw new FilterSyntaxError(at, 'this string has no closing quote', text)
      out.push({ t: 'string', v: text.slice(i + 1, end), at })
      i = end + 1
      continue
    }
    const mac = MAC.exec(rest)
    if (mac !== null) { out.push({ t: 'number', v: parseInt(mac[0].replace(/[:-]/g, ''), 16), at }); i += mac[0].length; continue }
    const num = NUMBER.exec(rest)
    if (num !== null) { out.push({ t: 'number', v: Number(num[0]), at }); i += num[0].length; continue }
    const word = WORD.exec(rest)
    if (word !== null) {
      const op = WORD_OPS[word[0].toLowerCase()]
      out.push(op !== undefined ? { t: 'op', v: op, at } : { t: 'word', v: word[0], at })
      i += word[0].length
      continue
    }
    throw new FilterSyntaxError(at, `unexpected ${JSON.stringify(c)}`, text)
  }
  out.push({ t: 'end', at: text.length + 1 })
  return out
}

const COMPARISONS = new Set<string>(['==', '!=', '<', '>', '<=', '>='])

class Parser {
  #i = 0
  constructor (readonly tokens: Token[], readonly text: string, readonly vocabulary: FilterVocabulary) {}

  peek (): Token { return this.tokens[this.#i]! }
  next (): Token { return this.tokens[this.#i++]! }
  isOp (v: string): boolean { const t = this.peek(); return t.t === 'op' && t.v === v }
  fail (t: Token, reason: string): never { throw new FilterSyntaxError(t.at, reason, this.text) }

  parse (): FilterNode {
    if (this.peek().t === 'end') this.fail(this.peek(), 'the filter is empty')
    const node = this.or()
    const t = this.peek()
    if (t.t !== 'end') this.fail(t, t.t === 'op' && t.v === ')' ? 'this ")" closes nothing' : 'expected "and", "or" or the end of the filter here')
    return node
  }

  or (): FilterNode {
    let left = this.and()
    while (this.isOp('||')) { this.next(); left = { kind: 'or', left, right: this.and() } }
    return left
  }

  and (): FilterNode {
    let left = this.not()
    while (this.isOp('&&')) { this.next(); left = { kind: 'and', left, right: this.not() } }
    return left
  }

  not (): FilterNode {
    if (this.isOp('!')) { this.next(); return { kind: 'not', operand: this.not() } }
    return this.primary()
  }

  primary (): FilterNode {
    const t = this.next()
    if (t.t === 'op' && t.v === '(') {
      const inner = this.or()
      const close = this.next()
      if (!(close.t === 'op' && close.v === ')')) this.fail(close, 'expected ")" to close the "(" at column ' + t.at)
      return inner
    }
    if (t.t !== 'word') this.fail(t, t.t === 'end' ? 'the filter ends where a field or protocol name should be' : 'expected a field or protocol name here')
    const protocol = this.vocabulary.protocols.has(t.v)
    if (!protocol && !this.vocabulary.fields.has(t.v)) this.fail(t, `"${t.v}" is neither a field nor a protocol name`)
    const op = this.peek()
    if (!(op.t === 'op' && COMPARISONS.has(op.v))) return { kind: 'present', name: t.v, protocol }
    this.next()
    const v = this.next()
    if (v.t !== 'number' && v.t !== 'string') this.fail(v, `expected a value after "${op.v}"`)
    return { kind: 'compare', name: t.v, op: op.v as Op, value: v.v }
  }
}

/** Parses a filter. Throws {@link FilterSyntaxError} with the column of the problem. */
export function parseFilter (text: string, vocabulary: FilterVocabulary): FilterNode {
  return new Parser(tokenize(text), text, vocabulary).parse()
}

function compare (a: Value, op: Op, b: Value): boolean {
  if (typeof a !== typeof b) return false
  switch (op) {
    case '==': return a === b
    case '!=': return a !== b
    case '<': return a < b
    case '>': return a > b
    case '<=': return a <= b
    case '>=': return a >= b
  }
}

/** True when the frame described by `source` passes the filter. */
export function matches (node: FilterNode, source: FieldSource): boolean {
  switch (node.kind) {
    case 'and': return matches(node.left, source) && matches(node.right, source)
    case 'or': return matches(node.left, source) || matches(node.right, source)
    case 'not': return !matches(node.operand, source)
    case 'present': return node.protocol ? source.hasProtocol(node.name) : source.values(node.name).length > 0
    case 'compare': {
      const values = source.values(node.name)
      if (node.op === '!=') return !values.some(v => compare(v, '==', node.value))
      return values.some(v => compare(v, node.op, node.value))
    }
  }
}

/** The error as two lines under the filter: the text and a caret at the column. */
export function formatFilterError (e: FilterSyntaxError): string {
  return `${e.text}\n${' '.repeat(Math.max(0, e.column - 1))}^ ${e.reason}`
}
