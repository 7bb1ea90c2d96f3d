/**
 * The QoS scenario on any era profile (issue 11): `ipxlab lab --scenario qos --wan PROFILE` runs
 * FIFO, SNP and SNP + LFI (`snp_lfi`) on real sockets over that profile's rate and delay, with the
 * traffic mix scaled to the link, and judges LFI's aims on slow links. The run itself is
 * scenario-qos.ts; this module holds what depends on the link.
 *
 * Scaling (so interactive and game stay well under the rate and bulk saturates it, on any link):
 *  - interactive keeps its 64-byte requests and game its 80-byte broadcasts, but each may use at
 *    most {@link SPARSE_SHARE} of the rate: on the default 1 Mbit/s link that leaves the issue 6
 *    periods (50 ms, DOOM's 35 Hz), on a 56k modem it stretches them to 114 ms and 91 ms;
 *  - on a profile, the bulk window covers the bandwidth-delay product and a queue of
 *    {@link BULK_QUEUE_FRAMES} frames (never more than issue 6's 48), so the link never idles
 *    (the default link keeps issue 6's 48);
 *  - the WAN emulator runs without jitter, as in issue 6 (the scenario reads losses as gaps in the
 *    bulk sequence, which reordering would fake).
 */
import { ConfigError } from '../errors.js'
import { PROFILES, isProfileName } from '../qos/profiles.js'
import { resolveLfi, LFI_AUTO_THRESHOLD_MS } from './lfi.js'
import type { LinkQosOptions } from './link-qos.js'

/** The disciplines the scenario can run. */
export const SCENARIO_DISCIPLINES = ['fifo', 'snp', 'snp_lfi'] as const
/** One of {@link SCENARIO_DISCIPLINES}. */
export type ScenarioDiscipline = typeof SCENARIO_DISCIPLINES[number]

/** Largest share of the rate the interactive flow and the game flow may each use. */
export const SPARSE_SHARE = 0.1
/** Bulk frames queued at the bottleneck, at least (on top of the bandwidth-delay product). */
export const BULK_QUEUE_FRAMES = 6

/** The link and mix of one scenario run. */
export interface ScenarioLink {
  /** The profile named by `--wan`, or null for the issue 6 default link. */
  profile: string | null
  rateBps: number
  delayMs: number
  interactivePeriodMs: number
  gamePeriodMs: number
  bulkWindow: number
}

/** The link of a run: the profile's rate and delay (each overridable), the mix scaled to it. */
export function scenarioLink (o: { wan?: string, rateBps?: number, delayMs?: number, bulkWindow?: number, bulkFrameBytes: number, interactiveBytes: number, gameBytes: number, interactivePeriodMs: number, gamePeriodMs: number }): ScenarioLink {
  if (o.wan !== undefined && !isProfileName(o.wan)) throw new ConfigError('scenario.wan', `unknown profile ${JSON.stringify(o.wan)}; known: ${Object.keys(PROFILES).join(', ')}`)
  const p = o.wan !== undefined && isProfileName(o.wan) ? PROFILES[o.wan].wan : undefined
  const rateBps = o.rateBps ?? p?.rate ?? 1_000_000
  const delayMs = o.delayMs ?? p?.delayMs ?? 30
  const minPeriod = (bytes: number): number => bytes * 8 * 1000 / (SPARSE_SHARE * rateBps)
  const frameMs = o.bulkFrameBytes * 8000 / rateBps
  const bdpFrames = Math.ceil((2 * delayMs + frameMs) / frameMs)
  return {
    profile: o.wan ?? null,
    rateBps,
    delayMs,
    interactivePeriodMs: Math.max(o.interactivePeriodMs, minPeriod(o.interactiveBytes)),
    gamePeriodMs: Math.max(o.gamePeriodMs, minPeriod(o.gameBytes)),
    // The default link keeps issue 6's window (48: more than FIFO's 64 KiB holds), so its aims read as before.
    bulkWindow: o.bulkWindow ?? (o.wan === undefined ? 48 : Math.min(48, bdpFrames + BULK_QUEUE_FRAMES))
  }
}

/** What the link's QoS stage runs for one discipline of the scenario (NodeRuntime.qos). */
export function scenarioQos (d: ScenarioDiscipline, link: { rateBps: number, delayMs: number, seed: number }): Omit<LinkQosOptions, 'send' | 'now' | 'logger'> {
  return {
    discipline: d === 'fifo' ? 'fifo' : 'snp',
    rateBps: link.rateBps,
    wan: { delayMs: link.delayMs, seed: link.seed },
    qos: d,
    ...(d === 'snp_lfi' ? { lfi: resolveLfi('on', link.rateBps) } : {})
  }
}

/** One aim as scenario-qos.ts reports it. */
interface Aim { name: string, description: string, value: number, limit: number, pass: boolean }

/** The figures the LFI aims read. */
interface AimInput {
  frameBytes: number
  frameMs: number
  disciplines: Partial<Record<ScenarioDiscipline, { utilisation: number, classes: Record<string, { p99Ms: number }>, linkQos?: { lfi?: { overheadShare: number, overheadBytes: number } } }>>
}

function round (x: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** True when LFI's aims apply: one full-size frame takes longer than the auto threshold. */
export function lfiApplies (frameMs: number): boolean {
  return frameMs > LFI_AUTO_THRESHOLD_MS
}

/**
 * Issue 11's aims on a slow link, for SNP + LFI: interactive and game p99 queueing delay ≤ 1/4 of
 * one full-size frame time, at least 4 × below SNP without LFI, and utilisation ≥ 90 % (IPX bytes
 * over the line's capacity: the fragment headers are the difference to 100 %, reported beside).
 */
export function lfiAims (r: AimInput): Aim[] {
  const lfi = r.disciplines.snp_lfi
  if (lfi === undefined || !lfiApplies(r.frameMs)) return []
  const snp = r.disciplines.snp
  const aims: Aim[] = []
  for (const c of ['interactive', 'game']) {
    const p99 = lfi.classes[c]?.p99Ms
    if (p99 === undefined) continue
    aims.push({ name: `snp-lfi-${c}-p99`, description: `SNP + LFI ${c} p99 queueing delay ≤ 1/4 of one full-size frame (${r.frameBytes} B) at the link rate`, value: p99, limit: round(r.frameMs / 4), pass: p99 <= r.frameMs / 4 })
    const without = snp?.classes[c]?.p99Ms
    if (without !== undefined) {
      const ratio = p99 > 0 ? without / p99 : Infinity
      aims.push({ name: `snp-over-snp-lfi-${c}-p99`, description: `SNP ${c} p99 ≥ 4 × SNP + LFI ${c} p99`, value: Number.isFinite(ratio) ? round(ratio, 2) : Number.MAX_VALUE, limit: 4, pass: ratio >= 4 })
    }
  }
  const cost = lfi.linkQos?.lfi
  const headers = cost === undefined ? 'fragment headers excluded' : `fragment headers excluded: they took ${cost.overheadBytes} B, ${(cost.overheadShare * 100).toFixed(2)} % of the line`
  aims.push({ name: 'snp-lfi-utilisation', description: `link utilisation under SNP + LFI ≥ 90 % (IPX bytes; ${headers})`, value: lfi.utilisation, limit: 0.9, pass: lfi.utilisation >= 0.9 })
  return aims
}
