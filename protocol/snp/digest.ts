/**
 * The class-table digest both SNP nodes put in their hello (protocol/snp/SPEC.md §4): SHA-256 over a
 * canonical JSON text of the table, truncated. The canonical form is a subset of the JSON
 * Canonicalization Scheme (RFC 8785 §3.2): members sorted by key (UTF-16 code units), no whitespace,
 * ECMAScript number and string serialisation, array order kept. `node:crypto` is pure computation
 * here: no I/O.
 */
import { createHash } from 'node:crypto'
import { EncodeError } from '../errors.js'

/**
 * The minimum a class table has; every other member (queue sizes, rates, rule contents, extra
 * top-level keys) is part of the digest too. The QoS stage's own type is assignable to this.
 */
export interface ClassTableInput {
  /** Classes in class-id order: the position of a class is its id (SPEC.md §3.3). */
  readonly classes: ReadonlyArray<{ readonly name: string, readonly weight: number }>
  /** Classification rules in match order. */
  readonly rules: readonly unknown[]
}

/** Digest length SNP's hello carries (16) and the native hello's placeholder (8). */
export type DigestLength = 8 | 16

function refuse (path: string, message: string): never {
  throw new EncodeError('snp', 'IPX_ERR_FIELD_RANGE', `class table ${path}: ${message}`, path)
}

function isPlainObject (v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

/** Appends the canonical text of `v` to `out`. `stack` holds the objects being written (cycle check). */
function write (v: unknown, path: string, out: string[], stack: Set<object>): void {
  switch (typeof v) {
    case 'string': out.push(JSON.stringify(v)); return
    case 'boolean': out.push(v ? 'true' : 'false'); return
    case 'number':
      // RFC 8785 §3.2.2.3: ECMAScript Number serialisation; NaN and Infinity are not JSON.
      if (!Number.isFinite(v)) refuse(path, `${v} is not a JSON number`)
      out.push(JSON.stringify(v))
      return
    case 'object': break
    default: refuse(path, `a ${typeof v} is not JSON`)
  }
  if (v === null) { out.push('null'); return }
  if (stack.has(v)) refuse(path, 'is a cycle')
  stack.add(v)
  if (Array.isArray(v)) {
    out.push('[')
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.push(',')
      const item: unknown = v[i]
      if (item === undefined) refuse(`${path}[${i}]`, 'undefined inside an array')
      write(item, `${path}[${i}]`, out, stack)
    }
    out.push(']')
  } else {
    if (!isPlainObject(v)) refuse(path, `a ${v.constructor?.name ?? 'non-plain'} object is not JSON`)
    const rec = v as Record<string, unknown>
    // RFC 8785 §3.2.3: sort by UTF-16 code units, which is what the default sort compares.
    const keys = Object.keys(rec).filter(k => rec[k] !== undefined).sort()
    out.push('{')
    keys.forEach((k, i) => {
      if (i > 0) out.push(',')
      out.push(JSON.stringify(k), ':')
      write(rec[k], `${path}.${k}`, out, stack)
    })
    out.push('}')
  }
  stack.delete(v)
}

function checkShape (table: unknown): void {
  if (typeof table !== 'object' || table === null || Array.isArray(table)) refuse('$', 'must be an object')
  const t = table as Record<string, unknown>
  if (!Array.isArray(t.classes)) refuse('$.classes', 'must be an array')
  if (!Array.isArray(t.rules)) refuse('$.rules', 'must be an array')
  t.classes.forEach((c: unknown, i) => {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) refuse(`$.classes[${i}]`, 'must be an object')
    const r = c as Record<string, unknown>
    if (typeof r.name !== 'string') refuse(`$.classes[${i}].name`, 'must be a string')
    if (typeof r.weight !== 'number' || !Number.isFinite(r.weight)) refuse(`$.classes[${i}].weight`, 'must be a finite number')
  })
}

/**
 * The canonical JSON text of a class table (SPEC.md §4): keys sorted at every depth, no whitespace,
 * array order kept, `undefined` members left out. Throws {@link EncodeError} `IPX_ERR_FIELD_RANGE`
 * (with the JSON path in `field`) for a table without `classes`/`rules` or with a non-JSON value.
 * Useful in a log line when two digests differ.
 */
export function canonicalJson (table: ClassTableInput): string {
  checkShape(table)
  const out: string[] = []
  write(table, '$', out, new Set())
  return out.join('')
}

/**
 * The class-table digest: the first `length` bytes (16 for SNP's hello, 8 for the native hello's
 * placeholder) of SHA-256 over the UTF-8 bytes of {@link canonicalJson}. Stable across key order and
 * across processes; any change to a class, a rule or their order changes it. Throws
 * {@link EncodeError} like {@link canonicalJson}.
 */
export function classTableDigest (table: ClassTableInput, length: DigestLength = 16): Buffer {
  if (length !== 8 && length !== 16) {
    throw new EncodeError('snp', 'IPX_ERR_FIELD_RANGE', `digest length must be 8 or 16, got ${String(length)}`, 'length')
  }
  return createHash('sha256').update(canonicalJson(table), 'utf8').digest().subarray(0, length)
}
