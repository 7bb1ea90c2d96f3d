/**
 * In-memory wiring for router and service tests: routers joined by peer ports whose `send` queues
 * the datagram for the other router, local ports that collect what they are sent, and a bounded
 * pump (a loop would show up as the bound being hit, never as a hang).
 */
import { packet as ipxPacket } from '../../protocol/ipx/index.js'
import { BROADCAST_NODE } from '../../protocol/constants.js'
import { Router } from '../../src/node/router.js'
import type { RouterMode, RouterOptions } from '../../src/node/router.js'

/** Builds one datagram. `dst`/`src` are [network, node, socket]. */
export function datagram (o: { type?: number, tc?: number, dst: [number, number, number], src: [number, number, number] }, payload: Buffer = Buffer.alloc(0)): Buffer {
  return ipxPacket.encode(ipxPacket.makePacket({
    packetType: o.type ?? 4,
    transportControl: o.tc ?? 0,
    dst: { network: o.dst[0], node: o.dst[1], socket: o.dst[2] },
    src: { network: o.src[0], node: o.src[1], socket: o.src[2] }
  }, payload))
}

export const BCAST = BROADCAST_NODE

/** A lab of routers. */
export class Lab {
  readonly routers = new Map<string, Router>()
  /** What each router's local port was sent. */
  readonly local = new Map<string, Buffer[]>()
  /** Every datagram that crossed a link, as [from, to, datagram]. */
  readonly wire: Array<[string, string, Buffer]> = []
  readonly #queue: Array<{ to: string, port: string, d: Buffer }> = []
  /** Routers whose links drop everything (a stopped node). */
  readonly dead = new Set<string>()
  readonly mode: RouterMode

  /** Options every router of the lab gets besides mode, network and node. */
  readonly options: Partial<RouterOptions>

  constructor (mode: RouterMode, options: Partial<RouterOptions> = {}) {
    this.mode = mode
    this.options = options
  }

  /** Adds router `name` with a local port `local` collecting into `this.local`. */
  add (name: string, network: number, node: number, hasNode?: (node: number) => boolean): Router {
    const r = new Router({ ...this.options, mode: this.mode, network, node })
    const sent: Buffer[] = []
    this.local.set(name, sent)
    r.addPort({ id: 'local', kind: 'local', send: d => { sent.push(d) }, ...(hasNode !== undefined ? { hasNode } : {}) })
    this.routers.set(name, r)
    return r
  }

  /** Joins `a` and `b` with peer ports `peer:b` on a and `peer:a` on b; `ticks` is each end's port delay (default 1). */
  link (a: string, b: string, network = 0, ticks: { [end: string]: number } = {}): void {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      this.get(x).addPort({
        id: `peer:${y}`,
        kind: 'peer',
        network,
        ...(ticks[x] !== undefined ? { ticks: ticks[x] } : {}),
        send: d => {
          if (this.dead.has(x) || this.dead.has(y)) return
          this.wire.push([x, y, d])
          this.#queue.push({ to: y, port: `peer:${x}`, d })
        }
      })
    }
  }

  get (name: string): Router {
    const r = this.routers.get(name)
    if (r === undefined) throw new Error(`no router ${name}`)
    return r
  }

  /** Delivers queued datagrams until none are left; throws after `max` (a loop). Returns how many. */
  pump (now: number, max = 10_000): number {
    let n = 0
    while (this.#queue.length > 0) {
      if (++n > max) throw new Error(`pump: more than ${max} datagrams, a loop?`)
      const { to, port, d } = this.#queue.shift()!
      this.get(to).forward(d, port, now)
    }
    return n
  }
}

/** A port that collects what it is sent. */
export function collector (): { sent: Buffer[], send: (d: Buffer) => void } {
  const sent: Buffer[] = []
  return { sent, send: d => { sent.push(d) } }
}
