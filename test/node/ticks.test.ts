/**
 * Issue 16, ticks per link: a peer link's tick delay comes from its speed (router.ts `linkTicks`),
 * the receiving router adds it to the ticks it hears (services/rip.ts), and route choice is by
 * ticks, then hops, as NetWare chose. In memory, on the classroom's shape
 * (docs/topologies/classroom.json): HQ–BRANCH direct or through CORE, REMOTE behind BRANCH.
 */
import test from 'ava'
import { LAN_TICKS, Router, TICK_MS, linkTicks } from '../../src/node/router.js'
import { RipService } from '../../src/node/services/rip.js'
import { PROFILES } from '../../src/qos/profiles.js'
import { Lab, datagram } from './_lab.js'

const HQ = 0xc001, GAMES = 0xc003, BRANCH = 0xc004, REMOTE = 0xc005
const TIMERS = { intervalMs: 1000, expireMs: 3000, garbageMs: 4000 }

test('a link\'s ticks: a 576-byte packet\'s time across it (rate and one-way delay) in 1/18 s, rounded up, at least the LAN\'s one', t => {
  t.is(TICK_MS, 1000 / 18)
  t.is(linkTicks({}), LAN_TICKS, 'no emulated link: a LAN')
  t.is(linkTicks({ rateBps: null, delayMs: 500 }), 1, 'a delay without a rate is not emulated (qos-options.ts), so not counted')
  const ticks = Object.fromEntries(Object.values(PROFILES).map(p => [p.name, linkTicks({ rateBps: p.wan.rate, delayMs: p.wan.delayMs })]))
  t.deepEqual(ticks, { 'modem-56k': 4, 'isdn-64k': 2, 'isdn-128k': 2, t1: 1, 'ethernet-10m': 1, 'lab-wan': 1 })
  // 576 * 8 bits at 9600 bit/s = 480 ms = 8.64 ticks -> 9; exactly one tick's worth stays 1.
  t.is(linkTicks({ rateBps: 9600 }), 9)
  t.is(linkTicks({ rateBps: 576 * 8 * 18 }), 1)
  t.is(linkTicks({ rateBps: 1 }), 0xffff, 'capped at the RIP field\'s 16 bits')
})

test('a port\'s ticks default to one; a bad value is a LAN\'s one, never 0 or a fraction', t => {
  const r = new Router({ mode: 'route', network: HQ, node: 1 })
  t.is(r.addPort({ id: 'lan', kind: 'local', send: () => {} }).ticks, 1)
  t.is(r.addPort({ id: 'slow', kind: 'peer', send: () => {}, ticks: 4 }).ticks, 4)
  t.is(r.addPort({ id: 'zero', kind: 'peer', send: () => {}, ticks: 0 }).ticks, 1)
  t.is(r.addPort({ id: 'half', kind: 'peer', send: () => {}, ticks: 2.5 }).ticks, 1)
})

/** The classroom in memory, RIP on every router; `slow` maps `a-b` to the ticks of that link (both ends unless `oneEnd`). */
function classroom (slow: Record<string, number>, oneEnd?: string): { lab: Lab, rips: RipService[] } {
  const lab = new Lab('route')
  const names = ['HQ', 'CORE', 'GAMES', 'BRANCH', 'REMOTE']
  // Each router's segment has one client, 7f:00:00:00:00:0i.
  names.forEach((n, i) => lab.add(n, HQ + i, 0x020000000001 + i, node => node === 0x7f0000000001 + i))
  for (const [a, b] of [['HQ', 'CORE'], ['CORE', 'GAMES'], ['CORE', 'BRANCH'], ['HQ', 'BRANCH'], ['BRANCH', 'REMOTE']] as const) {
    const ticks = slow[`${a}-${b}`]
    lab.link(a, b, 0, ticks === undefined ? {} : oneEnd !== undefined ? { [oneEnd]: ticks } : { [a]: ticks, [b]: ticks })
  }
  const rips = names.map(n => {
    const s = new RipService(lab.get(n), TIMERS)
    lab.get(n).bind(0x0453, s)
    return s
  })
  return { lab, rips }
}

/** Starts RIP on every router (in `order`) and runs three periodic updates. */
function converge (lab: Lab, rips: RipService[], order = [0, 1, 2, 3, 4]): void {
  for (const i of order) { rips[i]!.start(0); lab.pump(0) }
  for (let now = 1000; now <= 3000; now += 1000) for (const s of rips) { s.tick(now); lab.pump(now) }
}

test('HQ to BRANCH over a slow direct link (modem-56k, 4 ticks): through CORE, 2 hops and 2 ticks beat 1 hop and 4 ticks', t => {
  const { lab, rips } = classroom({ 'HQ-BRANCH': 4, 'BRANCH-REMOTE': 2 })
  converge(lab, rips)
  t.like(lab.get('HQ').route(BRANCH), { port: 'peer:CORE', hops: 2, ticks: 2 })
  t.like(lab.get('BRANCH').route(HQ), { port: 'peer:CORE', hops: 2, ticks: 2 })
  t.like(lab.get('HQ').route(REMOTE), { port: 'peer:CORE', hops: 3, ticks: 4 }, 'CORE, BRANCH, then the 2-tick ISDN link')
  t.like(lab.get('REMOTE').route(HQ), { port: 'peer:BRANCH', hops: 3, ticks: 4 })
  t.like(lab.get('HQ').route(GAMES), { hops: 2, ticks: 2 })
  // The forwarding follows the route: HQ's local segment to BRANCH's network leaves towards CORE.
  const before = lab.wire.length
  lab.get('HQ').forward(datagram({ dst: [BRANCH, 0x7f0000000004, 0x4000], src: [HQ, 0x7f0000000001, 0x4000] }), 'local', 3001)
  lab.pump(3001)
  t.deepEqual(lab.wire.slice(before).map(([from, to]) => `${from}>${to}`), ['HQ>CORE', 'CORE>BRANCH'])
  const got = lab.local.get('BRANCH')!.filter(d => d.readUInt16BE(16) === 0x4000)
  t.is(got.length, 1)
  t.is(got[0]![4], 3, 'transport control: one per router crossed (HQ, CORE, BRANCH)')
})

test('the same with the slow link heard first or last: the route ends through CORE either way', t => {
  for (const order of [[0, 3, 1, 2, 4], [1, 2, 4, 0, 3], [4, 3, 2, 1, 0]]) {
    const { lab, rips } = classroom({ 'HQ-BRANCH': 4, 'BRANCH-REMOTE': 2 })
    converge(lab, rips, order)
    t.like(lab.get('HQ').route(BRANCH), { port: 'peer:CORE', hops: 2, ticks: 2 }, `start order ${order.join(',')}`)
  }
})

test('HQ to BRANCH when the direct link is not slow (every link one tick): direct, 1 hop, 1 tick; hops break the tie', t => {
  const { lab, rips } = classroom({})
  converge(lab, rips)
  t.like(lab.get('HQ').route(BRANCH), { port: 'peer:BRANCH', hops: 1, ticks: 1 })
  t.like(lab.get('HQ').route(REMOTE), { port: 'peer:BRANCH', hops: 2, ticks: 2 })
})

test('a link slow at one end only steers that end\'s traffic (the end whose sending the emulator shapes)', t => {
  const { lab, rips } = classroom({ 'HQ-BRANCH': 4 }, 'HQ')
  converge(lab, rips)
  t.like(lab.get('HQ').route(BRANCH), { port: 'peer:CORE', hops: 2, ticks: 2 }, 'HQ sends slowly on the direct link: it goes round')
  t.like(lab.get('BRANCH').route(HQ), { port: 'peer:HQ', hops: 1, ticks: 1 }, 'BRANCH sends at LAN speed: direct')
})

test('what a router advertises carries the slow link: BRANCH\'s network reaches HQ over the modem as 1 hop, 4 ticks', t => {
  const { lab, rips } = classroom({ 'HQ-BRANCH': 4 })
  // Only HQ and BRANCH run RIP: the direct link is the only path.
  for (const n of ['CORE', 'GAMES', 'REMOTE']) lab.get(n).unbind(0x0453)
  rips[0]!.start(0)
  rips[3]!.start(0)
  lab.pump(0)
  t.like(lab.get('HQ').route(BRANCH), { port: 'peer:BRANCH', hops: 1, ticks: 4 })
  t.like(lab.get('BRANCH').route(HQ), { port: 'peer:HQ', hops: 1, ticks: 4 })
})
