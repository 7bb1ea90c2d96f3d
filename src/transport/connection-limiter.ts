/**
 * Admission control for accepted TCP connections: a total cap and a per-source-IP cap, each
 * refusal counted by reason (issue 13, item 1: 19,976 idle connections from one host once used up
 * every file descriptor of the node). Pure bookkeeping: the owner calls {@link admit} on accept,
 * closes the socket when it returns a reason, and calls {@link release} exactly once per admitted
 * connection when it closes.
 *
 * IPv4-mapped IPv6 sources (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) count as their IPv4 address, so a
 * dual-stack listener cannot be used to double a host's quota.
 */

/** Why a connection was refused. */
export type RefusalReason = 'total_limit' | 'per_ip_limit'

/** Options of {@link ConnectionLimiter}. */
export interface ConnectionLimits {
  /** Open connections at most, over every source. */
  maxTotal: number
  /** Open connections at most from one IP address. */
  maxPerIp: number
}

/** Counts open connections by source and refuses those beyond the limits. */
export class ConnectionLimiter {
  /** Refusals by reason. */
  readonly refused: Record<RefusalReason, number> = { total_limit: 0, per_ip_limit: 0 }
  /** Connections admitted, ever. */
  admitted = 0
  readonly limits: Readonly<ConnectionLimits>
  readonly #byIp = new Map<string, number>()
  #open = 0

  constructor (limits: ConnectionLimits) {
    if (!(Number.isInteger(limits.maxTotal) && limits.maxTotal >= 1)) throw new RangeError(`maxTotal must be a positive integer, got ${limits.maxTotal}`)
    if (!(Number.isInteger(limits.maxPerIp) && limits.maxPerIp >= 1)) throw new RangeError(`maxPerIp must be a positive integer, got ${limits.maxPerIp}`)
    this.limits = { ...limits }
  }

  /** Open connections now. */
  get open (): number {
    return this.#open
  }

  /** Open connections from `ip` now. */
  openFrom (ip: string): number {
    return this.#byIp.get(sourceKey(ip)) ?? 0
  }

  /** Admits a connection from `ip` (returns undefined) or says why not (counted). */
  admit (ip: string): RefusalReason | undefined {
    const key = sourceKey(ip)
    const n = this.#byIp.get(key) ?? 0
    if (this.#open >= this.limits.maxTotal) {
      this.refused.total_limit++
      return 'total_limit'
    }
    if (n >= this.limits.maxPerIp) {
      this.refused.per_ip_limit++
      return 'per_ip_limit'
    }
    this.#byIp.set(key, n + 1)
    this.#open++
    this.admitted++
    return undefined
  }

  /** Releases one admitted connection from `ip`. */
  release (ip: string): void {
    const key = sourceKey(ip)
    const n = this.#byIp.get(key)
    if (n === undefined) return
    if (n <= 1) this.#byIp.delete(key)
    else this.#byIp.set(key, n - 1)
    this.#open--
  }

  /** A plain snapshot for stats. */
  snapshot (): { open: number, admitted: number, refused: Record<RefusalReason, number>, maxTotal: number, maxPerIp: number } {
    return { open: this.#open, admitted: this.admitted, refused: { ...this.refused }, maxTotal: this.limits.maxTotal, maxPerIp: this.limits.maxPerIp }
  }
}

/** The per-source key: IPv4-mapped IPv6 folded to IPv4. */
export function sourceKey (ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
}
