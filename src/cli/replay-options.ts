/**
 * The `ipxlab replay` command's option parsers for commander (they throw InvalidArgumentError).
 * Apart from cli/replay.ts so that building the program (cli/main.ts) loads only these, not the
 * replayer, its capture reader and its clients (issue 18: `ipxlab node` loads what it runs).
 */
import { InvalidArgumentError } from 'commander'
import { parseHexNumber, parseNode } from '../../protocol/ipx/address.js'

/** `0x452` (hex) or `1106` (decimal), up to `max`. */
export function parseNumberOption (what: string, max: number) {
  return (value: string, previous: number[] = []): number[] => {
    const t = value.trim()
    const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : NaN
    if (!Number.isInteger(n) || n < 0 || n > max) throw new InvalidArgumentError(`${what} is 0x-prefixed hex or decimal, 0 to ${max}.`)
    return [...previous, n]
  }
}

/** `A-B`, `A-` or `A`: 1-based frame numbers, inclusive. */
export function parseFrameRange (value: string): { from: number, to: number } {
  const m = /^(\d+)(?:-(\d*))?$/.exec(value.trim())
  const from = Number(m?.[1])
  const to = m?.[2] === undefined ? from : m[2] === '' ? Infinity : Number(m[2])
  if (m === null || from < 1 || to < from) throw new InvalidArgumentError('a frame range is A-B, A- or A (1-based, A ≤ B).')
  return { from, to }
}

/** `OLD=NEW` network numbers (hex, as printed: `00000A01` or `0xa01`). */
export function parseNetworkMapping (value: string, previous: Map<number, number> = new Map()): Map<number, number> {
  const [a, b, ...rest] = value.split('=')
  const from = parseHexNumber(a ?? '', 8)
  const to = parseHexNumber(b ?? '', 8)
  if (rest.length > 0 || from === undefined || to === undefined) throw new InvalidArgumentError('a network mapping is OLD=NEW in hex, e.g. 00000A01=00000001.')
  return new Map([...previous, [from, to]])
}

/** `OLD=NEW` nodes (`0080C8123456` or `00:80:c8:12:34:56`). */
export function parseNodeMapping (value: string, previous: Map<number, number> = new Map()): Map<number, number> {
  const [a, b, ...rest] = value.split('=')
  const from = parseNode(a ?? '')
  const to = parseNode(b ?? '')
  if (rest.length > 0 || from === undefined || to === undefined) throw new InvalidArgumentError('a node mapping is OLD=NEW, each 12 hex digits or aa:bb:cc:dd:ee:ff.')
  return new Map([...previous, [from, to]])
}

/** One network number in hex. */
export function parseNetwork (value: string): number {
  const n = parseHexNumber(value, 8)
  if (n === undefined || n === 0 || n === 0xffffffff) throw new InvalidArgumentError('a network is 1 to FFFFFFFE in hex.')
  return n
}

/** One node (12 hex digits or colon form). */
export function parseNodeOption (value: string): number {
  const n = parseNode(value)
  if (n === undefined) throw new InvalidArgumentError('a node is 12 hex digits or aa:bb:cc:dd:ee:ff.')
  return n
}

/** A positive speed factor. */
export function parseSpeed (value: string): number {
  const n = Number(value)
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('a speed is a positive number (2 = twice as fast).')
  return n
}

/** A pre-shared key: hex or base64, at least 16 bytes (tunnel SPEC.md §4). */
export function parseKey (value: string): Buffer {
  const t = value.trim()
  const key = /^(0x)?([0-9a-fA-F]{2})+$/.test(t) ? Buffer.from(t.replace(/^0x/, ''), 'hex') : Buffer.from(t, 'base64')
  if (key.length < 16) throw new InvalidArgumentError('a key is hex or base64 of at least 16 bytes.')
  return key
}
