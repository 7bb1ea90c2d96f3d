/**
 * The walker every protocol's dissector writes into: it collects labelled byte ranges in order,
 * keeps them contiguous, and stops after the layer where decoding failed. Field ranges are read
 * from the codec's layouts (`layout.fields`, walked with a base offset). Pure.
 */
import { ipx, hex, socketName, isDynamicSocket, BROADCAST_NODE } from './deps.js'
import type { DecodeError, Layout, Field } from './deps.js'
import type { ByteRange, DissectError, DissectDispatch, LayerId } from './types.js'

/** What the walker needs of a layout: its field list and size (any `Layout<T>` fits). */
export type FieldList = Pick<Layout<unknown>, 'fields' | 'length'>

/** A field's meaning from its value. */
export type Meaning = (value: number, f: Field) => string | undefined
/** Meanings by field name. */
export type Meanings = Readonly<Record<string, Meaning>>

/** `transportControl` → `transport control`; `dst.node` → `dst node`. */
export function fieldLabel (name: string): string {
  return name.replaceAll('.', ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
}

export function formatValue (type: Field['type'], v: number): string {
  switch (type) {
    case 'u8': return `0x${hex(v, 2)}`
    case 'u16': return `0x${hex(v, 4)}`
    case 'u32': return `0x${hex(v, 8)}`
    case 'u48': return ipx.formatNode(v)
  }
}

export function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

export function toError (err: DecodeError, base: number): DissectError {
  return { code: err.code, protocol: err.protocol, offset: base + err.offset, reason: err.reason }
}

/** Collects ranges in order; keeps them contiguous and stops after the layer where decoding failed. */
export class Walker {
  readonly ranges: ByteRange[] = []
  /** End of the last range. */
  pos = 0
  stopped = false
  error: DissectError | undefined
  readonly path: string[] = []
  /** Set once the IPX header is read. */
  dispatch: DissectDispatch | undefined

  constructor (readonly buf: Buffer, error: DissectError | undefined, readonly snapped: number) {
    this.error = error
  }

  add (r: Omit<ByteRange, 'offset' | 'size'> & { offset: number, size: number }): void {
    let { offset, size } = r
    const end = Math.min(offset + size, this.buf.length)
    if (offset < this.pos) offset = this.pos
    if (end <= offset) return
    if (offset > this.pos) {
      this.ranges.push({ layer: 'undecoded', offset: this.pos, size: offset - this.pos, field: 'unexplained', label: 'unexplained bytes', value: '', meaning: 'bytes the explainer did not attribute (an ipxlab bug: please report it)' })
    }
    size = end - offset
    this.ranges.push({ ...r, offset, size })
    this.pos = offset + size
  }

  /** Annotates the fields of `layout` at `base`, up to `end` (exclusive). Returns true when every field fit. */
  fields (layer: LayerId, layout: FieldList, base: number, end: number, meanings: Meanings = {}, prefix = '', labelPrefix = ''): boolean {
    const limit = Math.min(end, this.buf.length)
    for (const f of layout.fields) {
      const at = base + f.offset
      if (at >= limit) return false
      const label = labelPrefix + fieldLabel(f.name)
      const ws = f.wireshark !== undefined ? { wireshark: f.wireshark } : {}
      if (at + f.size > limit) {
        this.add({ layer, offset: at, size: limit - at, field: prefix + f.name, label, ...ws, value: '', meaning: `cut short: ${limit - at} of its ${f.size} bytes are present (${f.doc})` })
        return false
      }
      const v = this.buf.readUIntBE(at, f.size)
      const m = meanings[f.name]?.(v, f) ?? f.doc
      this.add({ layer, offset: at, size: f.size, field: prefix + f.name, label, ...ws, value: formatValue(f.type, v), raw: v, meaning: m })
    }
    return true
  }

  /** True (and the walk stops) when the error lies before `end`: the layer just annotated is where decoding failed. */
  failedBefore (end: number): boolean {
    if (this.error !== undefined && this.error.offset < end) this.stopped = true
    return this.stopped
  }

  /** Marks the remaining bytes as not decoded (after an error) and attaches the error to its byte. */
  finish (): void {
    const rest = this.buf.length - this.pos
    if (rest > 0) {
      const e = this.error
      this.add({
        layer: this.stopped ? 'undecoded' : 'filler',
        offset: this.pos,
        size: rest,
        field: this.stopped ? 'undecoded' : 'rest',
        label: this.stopped ? 'not decoded' : 'remaining bytes',
        value: '',
        meaning: this.stopped && e !== undefined ? `decoding stopped at ${e.code} (offset ${e.offset}); these bytes were not interpreted` : 'bytes after everything the frame\'s headers account for'
      })
    }
    const e = this.error
    if (e === undefined) return
    const holder = this.ranges.find(r => e.offset >= r.offset && e.offset < r.offset + r.size) ?? this.ranges.at(-1)
    if (holder !== undefined) holder.error = e
  }
}

/** The rest of a layer as one range. */
export function rest (w: Walker, layer: LayerId, at: number, end: number, field: string, meaning: string, wireshark?: string): void {
  if (end > at) w.add({ layer, offset: at, size: end - at, field, label: fieldLabel(field), ...(wireshark !== undefined ? { wireshark } : {}), value: '', meaning })
}

/** The stopping point inside an upper layer: the error offset, or the payload end. */
export function upperLimit (w: Walker, end: number): number {
  return w.error !== undefined && w.error.offset < end ? w.error.offset : end
}

/** Bytes after a layer's content: padding (all zero) or trailer, labelled as Wireshark names them. */
export function filler (w: Walker, start: number, size: number, field: 'padding' | 'trailer' | 'slack', meaning: string, wireshark?: string): void {
  if (size <= 0) return
  w.add({ layer: 'filler', offset: start, size, field, label: field, ...(wireshark !== undefined ? { wireshark } : {}), value: '', meaning })
}

/** True when every byte from `start` to `end` is zero. */
export function allZero (buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false
  return true
}

/** An IPX network number in words. */
export function networkMeaning (v: number): string {
  if (v === 0) return 'this network (0: the sender\'s own segment)'
  if (v === 0xffffffff) return 'all networks'
  return `network ${ipx.formatNetwork(v)}`
}

/** An IPX socket in words. */
export function socketMeaning (v: number): string {
  const name = socketName(v)
  if (!name.startsWith('Unknown')) return name
  return isDynamicSocket(v) ? 'a dynamic socket (0x4000-0x7FFF: a client\'s own, chosen at open)' : 'not a well-known socket'
}

/** A MAC-like node in words. */
export function macMeaning (v: number): string {
  if (v === BROADCAST_NODE) return 'broadcast'
  return Math.floor(v / 0x10000000000) % 2 === 1 ? 'multicast (group bit set)' : 'unicast'
}

