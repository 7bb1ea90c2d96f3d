/**
 * DOSBox client slots per source IP (issue 13, item 6: 256 source ports of one host filled the
 * whole table and locked every new client out for 10 minutes). Registration has no handshake, so
 * the quota is per IP, the part of a spoofed source that costs the attacker something; and when the
 * table is full the longest-idle client gives its slot up, if it has been idle at least
 * {@link MIN_EVICT_IDLE_MS} (a game in progress sends many packets a second; a client silent that
 * long is gone or idle at the DOS prompt, and re-registers when it speaks again).
 */

/** Shortest idleness that makes a client evictable, ms. */
export const MIN_EVICT_IDLE_MS = 30_000

/** Counts slots per IP (numbers: the DOSBox server keys IPv4 as u32). */
export class SlotQuota {
  readonly maxPerIp: number
  readonly #byIp = new Map<number, number>()

  constructor (maxPerIp: number) {
    if (!(Number.isInteger(maxPerIp) && maxPerIp >= 1)) throw new RangeError(`maxPerIp must be a positive integer, got ${maxPerIp}`)
    this.maxPerIp = maxPerIp
  }

  /** Slots `ip` holds. */
  held (ip: number): number {
    return this.#byIp.get(ip) ?? 0
  }

  /** True when `ip` may take one more slot. */
  allows (ip: number): boolean {
    return this.held(ip) < this.maxPerIp
  }

  take (ip: number): void {
    this.#byIp.set(ip, this.held(ip) + 1)
  }

  release (ip: number): void {
    const n = this.held(ip)
    if (n <= 1) this.#byIp.delete(ip)
    else this.#byIp.set(ip, n - 1)
  }
}

/** The entry idle longest (smallest `lastSeen`) if it has been idle at least `minIdleMs` at `now`. */
export function evictable<T extends { lastSeen: number }> (list: readonly T[], now: number, minIdleMs = MIN_EVICT_IDLE_MS): T | undefined {
  let oldest: T | undefined
  for (const e of list) if (oldest === undefined || e.lastSeen < oldest.lastSeen) oldest = e
  return oldest !== undefined && now - oldest.lastSeen >= minIdleMs ? oldest : undefined
}
