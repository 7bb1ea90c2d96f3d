/**
 * The QoS settings of a node and of each of its links (issue 11): `--qos`, `--wan`, `--rate`,
 * `--delay`, `--jitter`, `--loss`, `--seed`, `--lfi`, `--fragment-ms`, `--fragment-bytes`, the
 * `qos` object of the config file (node-wide and per peer) and the `IPXLAB_*` variables. The zod
 * pieces here are part of the one schema in config.ts; {@link resolveQos} fills in defaults and
 * {@link linkQosOptions} turns the result into what a link's {@link LinkQos} stage runs.
 *
 * Meaning of `--qos` (the default is `off`, safe for a node on the Internet: nothing is delayed):
 *  - `off`: classify and count only. With a `--wan` or `--rate` the link is emulated behind a plain
 *    FIFO queue, what a router without QoS does;
 *  - `monitor`: as QoSWorks shipped: classify and count, one queue for all (needs no rate);
 *  - `fifo`: one byte-bounded tail-drop queue on the emulated link (needs a rate);
 *  - `snp`: the SNP scheduler (capped strict priority, DRR, CoDel) on the emulated link (needs a rate),
 *    with LFI on slow links (`--lfi auto`).
 */
import { z } from 'zod'
import { PROFILES, isProfileName } from '../qos/profiles.js'
import { LFI_DEFAULT_FRAGMENT_MS, LFI_MIN_FRAGMENT_BYTES, resolveLfi } from './lfi.js'
import type { LfiMode } from './lfi.js'
import type { LinkQosOptions } from './link-qos.js'

/** `--qos` values. */
export const QOS_MODES = ['snp', 'fifo', 'monitor', 'off'] as const
export type QosMode = typeof QOS_MODES[number]

/** Longest one-way delay or jitter accepted, ms: a minute (issue 11). */
export const MAX_DELAY_MS = 60_000
/** Highest emulated rate, bit/s (100 Gbit/s: beyond it nothing is emulated meaningfully). */
export const MAX_RATE_BPS = 100e9

/** A link's QoS settings after defaults. */
export interface QosSettings {
  mode: QosMode
  /** The era profile named by `--wan`, or null. */
  profile: string | null
  /** Emulated rate, bit/s; null: no emulated link. */
  rateBps: number | null
  delayMs: number
  jitterMs: number
  /** Random loss probability, 0..1. */
  loss: number
  seed: number
  lfi: LfiMode
  fragmentMs: number
  /** Explicit fragment size (bytes), winning over `fragmentMs`. */
  fragmentBytes?: number
}

/** A number (or text, as the environment and flags give it) in [min, max]; `k`/`M`/`G` suffixes when `suffixes`. */
export function decimal (what: string, min: number, max: number, options: { exclusiveMin?: boolean, suffixes?: boolean, integer?: boolean } = {}): z.ZodType<number, number | string> {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    let n = NaN
    if (typeof v === 'number') n = v
    else {
      const m = /^\s*(-?\d+(?:\.\d+)?)\s*([kKmMgG]?)\s*$/.exec(v)
      if (m !== null && (m[2] === '' || options.suffixes === true)) n = Number(m[1]) * ({ '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase()] ?? 1)
    }
    const low = options.exclusiveMin === true ? n > min : n >= min
    if (!(Number.isFinite(n) && low && n <= max) || (options.integer === true && !Number.isInteger(n))) {
      ctx.issues.push({ code: 'custom', input: v, message: `must be ${what}, got ${JSON.stringify(v)}` })
      return z.NEVER
    }
    return n
  })
}

const profileField = z.string().refine(isProfileName, { message: `must name an era profile: ${Object.keys(PROFILES).join(', ')}` })

/** The `qos` object of the config file, node-wide or in a peer: every member optional. */
export const qosField = z.strictObject({
  discipline: z.enum(QOS_MODES, { message: `must be one of ${QOS_MODES.join(', ')}` }).optional(),
  wan: profileField.optional(),
  rateBps: decimal('a rate in bit/s above 0 (e.g. 56000 or 56k)', 0, MAX_RATE_BPS, { exclusiveMin: true, suffixes: true }).optional(),
  delayMs: decimal(`a one-way delay of 0..${MAX_DELAY_MS} ms (at most a minute)`, 0, MAX_DELAY_MS).optional(),
  jitterMs: decimal(`a jitter of 0..${MAX_DELAY_MS} ms (at most a minute)`, 0, MAX_DELAY_MS).optional(),
  loss: decimal('a loss probability 0..1 (0.01 = 1 %)', 0, 1).optional(),
  seed: decimal('an integer seed 0..4294967295', 0, 0xffffffff, { integer: true }).optional(),
  lfi: z.enum(['on', 'off', 'auto'], { message: 'must be on, off or auto' }).optional(),
  fragmentMs: decimal('a fragment serialisation time of 0.1..1000 ms', 0.1, 1000).optional(),
  fragmentBytes: decimal(`a fragment size of at least ${LFI_MIN_FRAGMENT_BYTES} bytes (the LFI floor)`, LFI_MIN_FRAGMENT_BYTES, 1424, { integer: true }).optional()
})

/** The parsed `qos` object. */
export type QosRaw = z.output<typeof qosField>

/** Node-wide settings, then a peer's over them, member by member. */
export function mergeQos (node: QosRaw | undefined, peer: QosRaw | undefined): QosRaw {
  const out: Record<string, unknown> = { ...(node ?? {}) }
  for (const [k, v] of Object.entries(peer ?? {})) if (v !== undefined) out[k] = v
  // A peer that names its own profile starts from that profile, not from the node's rate overrides.
  if (peer?.wan !== undefined) for (const k of ['rateBps', 'delayMs', 'jitterMs', 'loss'] as const) if (peer[k] === undefined) delete out[k]
  return out as QosRaw
}

/** Defaults: a profile's values, each overridden by its own setting. */
export function resolveQos (q: QosRaw | undefined): QosSettings {
  const p = q?.wan !== undefined && isProfileName(q.wan) ? PROFILES[q.wan].wan : undefined
  const out: QosSettings = {
    mode: q?.discipline ?? 'off',
    profile: q?.wan ?? null,
    rateBps: q?.rateBps ?? p?.rate ?? null,
    delayMs: q?.delayMs ?? p?.delayMs ?? 0,
    jitterMs: q?.jitterMs ?? p?.jitterMs ?? 0,
    loss: q?.loss ?? p?.loss ?? 0,
    seed: q?.seed ?? 1,
    lfi: q?.lfi ?? 'auto',
    fragmentMs: q?.fragmentMs ?? LFI_DEFAULT_FRAGMENT_MS
  }
  if (q?.fragmentBytes !== undefined) out.fragmentBytes = q.fragmentBytes
  return out
}

/** The cross-field rules, as zod issues at `path` (so the message names the field and its source). */
export function qosIssues (q: QosRaw | undefined): Array<{ path: string[], message: string }> {
  const s = resolveQos(q)
  const out: Array<{ path: string[], message: string }> = []
  if ((s.mode === 'snp' || s.mode === 'fifo') && s.rateBps === null) {
    out.push({ path: ['rateBps'], message: `is needed by qos ${s.mode} (a scheduler needs a link to schedule): give a WAN profile (--wan ${Object.keys(PROFILES).join('|')}) or a rate (--rate BIT/S)` })
  }
  if (s.lfi === 'on' && s.rateBps === null) out.push({ path: ['lfi'], message: 'on needs an emulated link rate (--wan PROFILE or --rate BIT/S): fragments are sized to it' })
  return out
}

/** The options of a link's QoS stage for `s` (what NodeRuntime.qos holds). */
export function linkQosOptions (s: QosSettings): Omit<LinkQosOptions, 'send' | 'now' | 'logger' | 'sendFragment' | 'peerReassembles'> {
  if (s.rateBps === null) {
    return { discipline: 'none', qos: s.mode, profile: s.profile, ...(s.mode === 'monitor' ? { monitorOnly: true } : {}) }
  }
  const discipline = s.mode === 'snp' || s.mode === 'monitor' ? 'snp' : 'fifo'
  // `auto` fragments under the SNP scheduler only: in one FIFO queue nothing could go between fragments.
  const lfiMode: LfiMode = s.lfi === 'auto' && s.mode !== 'snp' ? 'off' : s.lfi
  return {
    discipline,
    rateBps: s.rateBps,
    wan: { delayMs: s.delayMs, jitterMs: s.jitterMs, loss: s.loss, seed: s.seed },
    qos: s.mode,
    profile: s.profile,
    ...(s.mode === 'monitor' ? { monitorOnly: true } : {}),
    lfi: { ...resolveLfi(lfiMode, s.rateBps, s.fragmentMs, s.fragmentBytes), mode: s.lfi }
  }
}

/** One line for the node banner: `snp on modem-56k (56 kbit/s, 100 ms ± 10 ms), LFI on (128-byte fragments, 23.4 ms)`. */
export function describeQos (s: QosSettings): string {
  const o = linkQosOptions(s)
  if (s.rateBps === null) return `${s.mode}${s.mode === 'off' ? ' (classify and count only)' : ''}, no emulated link`
  const rate = s.rateBps >= 1e6 ? `${s.rateBps / 1e6} Mbit/s` : `${s.rateBps / 1e3} kbit/s`
  const link = `${s.profile ?? 'custom link'} (${rate}, ${s.delayMs} ms${s.jitterMs > 0 ? ` ± ${s.jitterMs} ms` : ''}${s.loss > 0 ? `, loss ${s.loss * 100} %` : ''})`
  const lfi = o.lfi === undefined ? '' : o.lfi.enabled ? `, LFI on (${o.lfi.chunkBytes}-byte fragments, ${o.lfi.fragmentMs.toFixed(1)} ms each; a full frame takes ${o.lfi.fullFrameMs.toFixed(1)} ms)` : `, LFI off (${s.lfi})`
  return `${s.mode}${s.mode === 'off' ? ' (a plain FIFO queue)' : ''} on ${link}${lfi}`
}
