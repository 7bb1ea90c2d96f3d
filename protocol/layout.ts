/**
 * One field description per fixed-size wire format. From a {@link Layout} the codec derives:
 *  - the `binary-parser` decoder (built here, compiled by binary-parser to straight-line code),
 *  - the encoder (generated here once, as straight-line code, from the same list),
 *  - the documentation table of the protocol book ({@link layoutTable}).
 * So each field's offset, size and name exist in exactly one place.
 *
 * Field names are dotted paths (`dst.node`) that become nested objects on decode. Sizes:
 * u8, u16, u32 and u48 (a 6-byte IPX node or MAC, held in a JS number: 2^48 < 2^53), all big-endian
 * as every multi-byte IPX field is (Novell IPX spec; Wireshark `packet-ipx.c` reads them with ntoh).
 */
import { Parser } from 'binary-parser'
import { DecodeError, EncodeError } from './errors.js'
import type { ProtocolName } from './errors.js'

/** Wire size of one field. */
export type FieldType = 'u8' | 'u16' | 'u32' | 'u48'

const SIZE: Record<FieldType, number> = { u8: 1, u16: 2, u32: 4, u48: 6 }
const MAX: Record<FieldType, number> = { u8: 0xff, u16: 0xffff, u32: 0xffffffff, u48: 0xffffffffffff }

/** A field as described by a format's author. */
export interface FieldSpec {
  /** Dotted path in the decoded object, e.g. `dst.socket`. */
  readonly name: string
  readonly type: FieldType
  /** Wireshark display-filter name, e.g. `ipx.dst.socket`, where Wireshark has one. */
  readonly wireshark?: string
  /** One line: meaning, units, spec reference. */
  readonly doc: string
}

/** A field with its computed offset and size. */
export interface Field extends FieldSpec {
  readonly offset: number
  readonly size: number
}

/** A fixed-size wire format. `T` is the decoded object's type. */
export interface Layout<T> {
  readonly protocol: ProtocolName
  /** Human name, e.g. "IPX header". */
  readonly title: string
  readonly fields: readonly Field[]
  /** Total encoded size in bytes. */
  readonly length: number
  /** The binary-parser decoder (exposed for composition and for the book). */
  readonly parser: Parser
  /** Reads `length` bytes at `offset`. Throws IPX_ERR_TRUNCATED when fewer remain. */
  read: (buf: Buffer, offset: number) => T
  /**
   * Reads `count` entries at `offset`, `stride` bytes apart (default: back to back), in one parse
   * (SAP and RIP lists). Throws IPX_ERR_TRUNCATED.
   */
  readMany: (buf: Buffer, offset: number, count: number, stride?: number) => T[]
  /** Writes `value` at `offset`. Throws EncodeError on an out-of-range field or a short buffer. */
  write: (value: T, buf: Buffer, offset: number) => void
}

/** The flat property binary-parser fills for a field: `dst.node` → `dst_node` (u48: `dst_node$hi`/`$lo`). */
function flatName (name: string): string {
  return name.replaceAll('.', '_')
}

/**
 * The binary-parser decoder reads every field into one flat object, then a generated `shape`
 * function builds the nested public object in a single literal. Two reasons, both measured
 * (scripts/bench-codec.ts): binary-parser's `nest` grows objects property by property and
 * deletes `$parent`/`$root` at the end, which drops V8 into slow dictionary objects (0.30 of a
 * hand-written reader); parsing into a class whose fields are declared up front, `$root` and
 * `$parent` last so their deletion is V8's cheap "remove last property" path, then reshaping,
 * runs at about 0.8 of it. A 48-bit node is read as two fields (u16 + u32) and joined in `shape`.
 */
/** The field reads of a layout appended to `p` (binary-parser builds by chaining). */
function chain (p: Parser, fields: readonly Field[], props?: string[]): Parser {
  for (const f of fields) {
    const n = flatName(f.name)
    if (f.type === 'u8') { p = p.uint8(n); props?.push(n) }
    else if (f.type === 'u16') { p = p.uint16be(n); props?.push(n) }
    else if (f.type === 'u32') { p = p.uint32be(n); props?.push(n) }
    else { p = p.uint16be(n + '$hi').uint32be(n + '$lo'); props?.push(n + '$hi', n + '$lo') }
  }
  return p
}

function buildParser (fields: readonly Field[]): { parser: Parser, items: (stride: number) => Parser, flat: boolean, shape: (flat: unknown) => unknown } {
  const props: string[] = []
  // binary-parser chains by mutating the parser, so the two parsers are built separately.
  const fieldsParser = chain(new Parser(), fields, props)
  const classBody = [...props, '$root', '$parent'].map(x => `this.${x} = 0;`).join(' ')
  const Flat = new Function(`return function Flat () { ${classBody} }`)() as new () => object
  const parser = fieldsParser.create(Flat)
  // For lists: one array parse over every entry (one DataView for the whole list), skipping
  // `stride - length` bytes after each entry; made once per stride.
  const length = fields.reduce((n, f) => n + f.size, 0)
  const byStride = new Map<number, Parser>()
  const items = (stride: number): Parser => {
    let p = byStride.get(stride)
    if (p === undefined) {
      const one = chain(new Parser(), fields)
      p = new Parser().array('items', { type: stride > length ? one.seek(stride - length) : one, readUntil: 'eof' })
      byStride.set(stride, p)
    }
    return p
  }
  const shape = new Function('v', `return ${literal(group(fields))};`) as (flat: unknown) => unknown
  // A layout whose names have no dots and no u48 reads straight into its final shape.
  const flat = fields.every(f => !f.name.includes('.') && f.type !== 'u48')
  return { parser, items, flat, shape }
}

interface Group { name: string, children: Array<Group | Field> }

function group (fields: readonly Field[]): Group {
  const root: Group = { name: '', children: [] }
  for (const f of fields) {
    const parts = f.name.split('.')
    let g = root
    for (const part of parts.slice(0, -1)) {
      const last = g.children[g.children.length - 1]
      if (last !== undefined && 'children' in last && last.name === part) g = last
      else { const n: Group = { name: part, children: [] }; g.children.push(n); g = n }
    }
    g.children.push(f)
  }
  return root
}

function literal (g: Group): string {
  return '{ ' + g.children.map(c => {
    if ('children' in c) return `${JSON.stringify(c.name)}: ${literal(c)}`
    const key = JSON.stringify(c.name.split('.').at(-1))
    const n = flatName(c.name)
    return c.type === 'u48' ? `${key}: v.${n}$hi * 0x100000000 + v.${n}$lo` : `${key}: v.${n}`
  }).join(', ') + ' }'
}

function accessor (name: string): string {
  return 'v' + name.split('.').map(p => `[${JSON.stringify(p)}]`).join('')
}

/**
 * Generates `(v, b, o) => void` as straight-line code: one range check and one write per field.
 * Generated once per layout at module load, like binary-parser's own decoder, so the encoder runs
 * as fast as a hand-written one while the offsets still come from the description only.
 */
function buildWriter<T> (protocol: ProtocolName, fields: readonly Field[], length: number): (v: T, b: Buffer, o: number) => void {
  const lines: string[] = [
    'if (!(o >= 0 && o + ' + length + ' <= b.length)) throw new E(P, "IPX_ERR_BUFFER_TOO_SMALL", "need ' + length + ' bytes at offset " + o + ", buffer has " + b.length)'
  ]
  fields.forEach((f, i) => {
    const x = `x${i}`
    lines.push(`const ${x} = ${accessor(f.name)};`)
    lines.push(`if (!(Number.isInteger(${x}) && ${x} >= 0 && ${x} <= ${MAX[f.type]})) throw new E(P, "IPX_ERR_FIELD_RANGE", ${JSON.stringify(f.name + ' must be an integer 0..0x' + MAX[f.type].toString(16) + ', got ')} + ${x}, ${JSON.stringify(f.name)});`)
    const at = `o + ${f.offset}`
    if (f.type === 'u8') lines.push(`b[${at}] = ${x};`)
    else if (f.type === 'u16') lines.push(`b.writeUInt16BE(${x}, ${at});`)
    else if (f.type === 'u32') lines.push(`b.writeUInt32BE(${x}, ${at});`)
    else lines.push(`b.writeUInt16BE(Math.floor(${x} / 0x100000000), ${at}); b.writeUInt32BE(${x} % 0x100000000, ${at} + 2);`)
  })
  // Generated from the field list above only; no outside input reaches this code.
  const make = new Function('E', 'P', `return function write (v, b, o) {\n${lines.join('\n')}\n}`) as
    (e: typeof EncodeError, p: ProtocolName) => (v: T, b: Buffer, o: number) => void
  return make(EncodeError, protocol)
}

/** Builds a {@link Layout} from an ordered field list. */
export function defineLayout<T> (protocol: ProtocolName, title: string, specs: readonly FieldSpec[]): Layout<T> {
  let offset = 0
  const fields: Field[] = specs.map(s => {
    const f = { ...s, offset, size: SIZE[s.type] }
    offset += f.size
    return f
  })
  const length = offset
  const { parser, items, flat, shape } = buildParser(fields)
  const write = buildWriter<T>(protocol, fields, length)
  // binary-parser always starts at byte 0 of what it is given, and for integer fields its compiled
  // code touches only `buffer.buffer`, `byteOffset` and `length` (it reads through a DataView). So
  // every read hands it this one reused view instead of allocating a `subarray` per call (always the
  // view, even at offset 0, so the compiled code sees one argument shape and stays monomorphic);
  // reads are synchronous, so the view is never shared between two reads in flight. The layout
  // tests decode at many offsets to hold binary-parser to this.
  const view = { buffer: new ArrayBuffer(0) as ArrayBufferLike, byteOffset: 0, length: 0 }
  return {
    protocol,
    title,
    fields,
    length,
    parser,
    read (buf: Buffer, at: number): T {
      if (!(at >= 0 && buf.length - at >= length)) {
        throw new DecodeError(protocol, 'IPX_ERR_TRUNCATED', Math.max(0, buf.length),
          `${title} needs ${length} bytes, ${Math.max(0, buf.length - at)} remain`)
      }
      view.buffer = buf.buffer
      view.byteOffset = buf.byteOffset + at
      view.length = buf.length - at
      return shape(parser.parse(view as unknown as Buffer)) as T
    },
    readMany (buf: Buffer, at: number, count: number, stride: number = length): T[] {
      if (count === 0) return []
      const bytes = (count - 1) * stride + length
      if (!(at >= 0 && Number.isInteger(count) && count >= 0 && stride >= length && buf.length - at >= bytes)) {
        throw new DecodeError(protocol, 'IPX_ERR_TRUNCATED', Math.max(0, buf.length),
          `${count} × ${title} need ${bytes} bytes, ${Math.max(0, buf.length - at)} remain`)
      }
      view.buffer = buf.buffer
      view.byteOffset = buf.byteOffset + at
      view.length = bytes
      const list = (items(stride).parse(view as unknown as Buffer) as { items: unknown[] }).items
      return (flat ? list : list.map(shape)) as T[]
    },
    write
  }
}

/**
 * One layout made of several, back to back, each one's fields under a prefix (`eth.dst`,
 * `llc.dsap`, `ipx.dst.node`): the same descriptions, so the offsets are still theirs. A decoder
 * that reads headers which always travel together (Ethernet II + IPX) then makes one parse
 * instead of one per header.
 */
export function composeLayouts<T> (protocol: ProtocolName, title: string, parts: ReadonlyArray<{ prefix: string, layout: Layout<unknown> }>): Layout<T> {
  return defineLayout<T>(protocol, title, parts.flatMap(p => p.layout.fields.map(({ offset: _o, size: _s, ...spec }) => ({ ...spec, name: `${p.prefix}.${spec.name}` }))))
}

/** Markdown table of a layout for the protocol book: offset, size, field, Wireshark name, meaning. */
export function layoutTable<T> (layout: Layout<T>, base = 0): string {
  const rows = layout.fields.map(f =>
    `| ${base + f.offset} | ${f.size} | \`${f.name}\` | ${f.wireshark !== undefined ? '`' + f.wireshark + '`' : '–'} | ${f.doc} |`)
  return ['| offset | size | field | Wireshark | meaning |', '|---:|---:|---|---|---|', ...rows].join('\n')
}
