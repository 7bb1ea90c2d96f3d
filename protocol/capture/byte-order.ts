/**
 * Byte order for capture containers. pcap and pcapng files are written in the byte order of the
 * machine that wrote them; the reader tells which from the magic number (pcap, draft-ietf-opsawg-pcap
 * §4; pcapng, draft-ietf-opsawg-pcapng §4.1 "Byte-Order Magic"). {@link defineLayout} describes
 * big-endian fields only, so a little-endian header is decoded by reversing each field's bytes into
 * a scratch buffer and reading that with the same layout, and encoded by writing big-endian and then
 * reversing each field in place. The field description therefore still exists once.
 */
import type { Layout } from '../layout.js'

/** `'le'` little-endian (what x86 writes, and what ipxlab writes by default) or `'be'` big-endian. */
export type ByteOrder = 'le' | 'be'

/** Scratch buffer for swapped headers; the largest fixed header here is 28 bytes (pcapng EPB). */
const SCRATCH = Buffer.alloc(64)

/**
 * Reads `layout` at `offset` of `buf` in the given byte order. The caller has checked that
 * `layout.length` bytes remain (the layout's own read checks again and throws IPX_ERR_TRUNCATED).
 */
export function readOrdered<T> (layout: Layout<T>, buf: Buffer, offset: number, order: ByteOrder): T {
  if (order === 'be') return layout.read(buf, offset)
  if (!(offset >= 0 && buf.length - offset >= layout.length)) return layout.read(buf, offset)
  const scratch = layout.length <= SCRATCH.length ? SCRATCH : Buffer.alloc(layout.length)
  for (const f of layout.fields) {
    for (let i = 0; i < f.size; i++) scratch[f.offset + i] = buf[offset + f.offset + f.size - 1 - i]!
  }
  return layout.read(scratch, 0)
}

/** Writes `value` with `layout` at `offset` of `buf` in the given byte order (EncodeError on a bad field). */
export function writeOrdered<T> (layout: Layout<T>, value: T, buf: Buffer, offset: number, order: ByteOrder): void {
  layout.write(value, buf, offset)
  if (order === 'be') return
  for (const f of layout.fields) {
    if (f.size > 1) buf.subarray(offset + f.offset, offset + f.offset + f.size).reverse()
  }
}
