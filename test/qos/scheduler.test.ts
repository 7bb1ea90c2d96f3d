import test from 'ava'
import { FifoScheduler, SnpScheduler, createScheduler, DEFAULT_CLASS_TABLE, TRAFFIC_CLASSES, codelParameters, Mulberry32 } from '../../src/qos/index.js'
import type { ClassTable, QueueItem, TrafficClass, DropReason } from '../../src/qos/index.js'
import { ConfigError } from '../../src/errors.js'

interface Item extends QueueItem { id: number, at: number }
let nextId = 0
const item = (trafficClass: TrafficClass, size: number, at = 0): Item => ({ id: nextId++, trafficClass, size, at })

const RATE = 1_000_000
/** ms to serialize `bytes` at RATE. */
const tx = (bytes: number): number => bytes * 8000 / RATE

test('FIFO: order preserved, tail drop at the byte bound, counted per class', t => {
  const drops: DropReason[] = []
  const q = new FifoScheduler<Item>({ limitBytes: 3000, onDrop: (_i, r) => drops.push(r) })
  const a = item('bulk', 1500); const b = item('interactive', 100); const c = item('bulk', 1500)
  t.true(q.enqueue(a, 0).accepted)
  t.true(q.enqueue(b, 0).accepted)
  t.deepEqual(q.enqueue(c, 0), { accepted: false, reason: 'queue_full' })
  t.deepEqual(drops, ['queue_full'])
  t.is(q.backlogBytes, 1600)
  t.is(q.dequeue(1), a)
  t.is(q.dequeue(2), b)
  t.is(q.dequeue(3), undefined)
  const s = q.stats()
  t.is(s.classes.bulk.droppedPackets.queue_full, 1)
  t.is(s.classes.bulk.dequeuedBytes, 1500)
  t.is(s.classes.interactive.dequeuedPackets, 1)
})

test('SNP: network control goes first (strict priority)', t => {
  const q = new SnpScheduler<Item>({ linkRate: RATE })
  const bulk = [item('bulk', 1500), item('bulk', 1500)]
  for (const b of bulk) q.enqueue(b, 0)
  const rip = item('network_control', 64)
  q.enqueue(rip, 0)
  t.is(q.dequeue(0), rip)
  t.is(q.stats().classes.network_control.strictPackets, 1)
})

test('SNP: a sparse class is served before a backlogged one (DRR++ new list)', t => {
  const q = new SnpScheduler<Item>({ linkRate: RATE })
  for (let i = 0; i < 20; i++) q.enqueue(item('bulk', 1500), 0)
  q.dequeue(0); q.dequeue(12); q.dequeue(24) // bulk now in the old list
  const key = item('interactive', 64)
  q.enqueue(key, 30)
  t.is(q.dequeue(36), key)
})

/** Keeps every listed class backlogged and dequeues `n` items; returns bytes served per class. */
function serveBacklogged (classes: readonly TrafficClass[], table: ClassTable, n: number, seed = 7): Map<TrafficClass, number> {
  const rng = new Mulberry32(seed)
  const q = new SnpScheduler<Item>({ linkRate: RATE, classes: table })
  const served = new Map<TrafficClass, number>(classes.map(c => [c, 0]))
  const size = (): number => 64 + Math.floor(rng.next() * (1500 - 64 + 1))
  for (const c of classes) for (let i = 0; i < 8; i++) q.enqueue(item(c, size()), 0)
  let now = 0
  for (let i = 0; i < n; i++) {
    const it = q.dequeue(now)!
    served.set(it.trafficClass, served.get(it.trafficClass)! + it.size)
    now += tx(it.size)
    q.enqueue(item(it.trafficClass, size()), now)
  }
  return served
}

test('SNP: DRR weights hold within 5 % over a long run, random sizes 64..1500', t => {
  const classes: TrafficClass[] = ['interactive', 'game', 'bulk', 'background', 'default']
  // Large queues so nothing tail-drops; tail drop everywhere so CoDel does not drop either.
  const table = Object.fromEntries(TRAFFIC_CLASSES.map(c => [c, { ...DEFAULT_CLASS_TABLE[c], queueBytes: 1 << 20, drop: { kind: 'tail' } }])) as unknown as ClassTable
  const served = serveBacklogged(classes, table, 200_000)
  const total = [...served.values()].reduce((a, b) => a + b, 0)
  const weightSum = classes.reduce((a, c) => a + table[c].weight, 0)
  for (const c of classes) {
    const want = table[c].weight / weightSum
    const got = served.get(c)! / total
    t.log(`${c}: weight share ${(want * 100).toFixed(2)} %, served ${(got * 100).toFixed(2)} %`)
    t.true(Math.abs(got - want) / want < 0.05, c)
  }
})

test('SNP: weights 1:3 between two classes within 5 %', t => {
  const table = { ...DEFAULT_CLASS_TABLE, bulk: { weight: 1, queueBytes: 1 << 20, drop: { kind: 'tail' as const } }, default: { weight: 3, queueBytes: 1 << 20, drop: { kind: 'tail' as const } } }
  const served = serveBacklogged(['bulk', 'default'], table, 100_000, 99)
  const ratio = served.get('default')! / served.get('bulk')!
  t.log(`default:bulk = ${ratio.toFixed(4)}`)
  t.true(Math.abs(ratio - 3) / 3 < 0.05)
})

test('queue bounds: per-class bytes never exceed the bound; drops are counted', t => {
  const rng = new Mulberry32(3)
  const q = new SnpScheduler<Item>({ linkRate: RATE })
  const fifo = new FifoScheduler<Item>({ limitBytes: 20_000 })
  let offered = 0
  let now = 0
  for (let i = 0; i < 50_000; i++) {
    now += rng.next() * 2
    const c = TRAFFIC_CLASSES[Math.floor(rng.next() * TRAFFIC_CLASSES.length)]!
    const it = item(c, 30 + Math.floor(rng.next() * 1471))
    offered++
    q.enqueue(it, now); fifo.enqueue(it, now)
    if (rng.next() < 0.3) { q.dequeue(now); fifo.dequeue(now) }
    if (i % 97 === 0) {
      const s = q.stats()
      for (const cls of TRAFFIC_CLASSES) t.true(s.classes[cls].backlogBytes <= DEFAULT_CLASS_TABLE[cls].queueBytes)
      t.true(fifo.backlogBytes <= 20_000)
    }
  }
  const s = q.stats()
  let accounted = 0
  for (const cls of TRAFFIC_CLASSES) {
    const c = s.classes[cls]
    t.true(c.maxBacklogBytes <= DEFAULT_CLASS_TABLE[cls].queueBytes, cls)
    accounted += c.enqueuedPackets + c.droppedPackets.queue_full
  }
  t.is(accounted, offered)
  t.true(TRAFFIC_CLASSES.some(c => s.classes[c].droppedPackets.queue_full > 0))
  t.true(fifo.stats().classes.bulk.maxBacklogBytes <= 20_000)
})

test('starvation cap: a network-control flood cannot starve bulk', t => {
  const q = new SnpScheduler<Item>({ linkRate: RATE })
  let now = 0
  const served = new Map<TrafficClass, number>([['network_control', 0], ['bulk', 0]])
  for (let i = 0; i < 10; i++) { q.enqueue(item('network_control', 500), 0); q.enqueue(item('bulk', 1500), 0) }
  const end = 120_000
  while (now < end) {
    const it = q.dequeue(now)!
    served.set(it.trafficClass, served.get(it.trafficClass)! + it.size)
    q.enqueue(item(it.trafficClass, it.size), now) // both stay backlogged: the flood never stops
    now += tx(it.size)
  }
  const total = served.get('network_control')! + served.get('bulk')!
  const nc = served.get('network_control')! / total
  const strictShare = DEFAULT_CLASS_TABLE.network_control.strictShare!
  // Strict up to 1/4 of the link, then DRR with weights 1 (nc) : 2 (bulk) for the remaining 3/4.
  const expectedNc = strictShare + (1 - strictShare) * 1 / 3
  t.log(`network control ${(nc * 100).toFixed(2)} % (expected ${(expectedNc * 100).toFixed(2)} %), bulk ${((1 - nc) * 100).toFixed(2)} %`)
  t.true(Math.abs(nc - expectedNc) < 0.02)
  t.true(1 - nc >= 0.45)
  const s = q.stats().classes.network_control
  t.true(s.strictPackets > 0 && s.strictPackets < s.dequeuedPackets)
})

test('starvation cap: without a competitor network control gets the whole link', t => {
  const q = new SnpScheduler<Item>({ linkRate: RATE })
  let now = 0
  let bytes = 0
  for (let i = 0; i < 5; i++) q.enqueue(item('network_control', 500), 0)
  while (now < 10_000) {
    const it = q.dequeue(now)!
    bytes += it.size
    q.enqueue(item('network_control', 500), now)
    now += tx(it.size)
  }
  t.true(Math.abs(bytes * 8000 / now - RATE) / RATE < 0.01)
})

test('CoDel auto-tuning: 18 ms target and 144 ms interval at 1 Mbit/s; RFC 8289 defaults on fast links', t => {
  t.deepEqual(codelParameters(1_000_000), { targetMs: 18, intervalMs: 144 })
  t.deepEqual(codelParameters(100_000_000), { targetMs: 5, intervalMs: 100 })
  const q = new SnpScheduler<Item>({ linkRate: 1_000_000 })
  t.deepEqual(q.codelOf('bulk'), { targetMs: 18, intervalMs: 144 })
  t.is(q.codelOf('interactive'), undefined)
})

/** Bulk arriving at `arrivalRate` bit/s into a link of `RATE` for `ms`; returns drop count and last-second mean sojourn. */
function codelRun (arrivalRate: number, ms: number, burst?: { count: number, at: number }): { codel: number, sojourn: number } {
  const q = new SnpScheduler<Item>({ linkRate: RATE, classes: { ...DEFAULT_CLASS_TABLE, bulk: { weight: 2, queueBytes: 1 << 22, drop: { kind: 'codel', targetMs: 5, intervalMs: 100 } } } })
  let nextArrival = burst === undefined ? 0 : Infinity
  if (burst !== undefined) for (let i = 0; i < burst.count; i++) q.enqueue(item('bulk', 1000, burst.at), burst.at)
  let linkFree = 0
  let sum = 0; let n = 0
  for (let now = 0; now <= ms; now += 0.5) {
    while (nextArrival <= now) { q.enqueue(item('bulk', 1000, nextArrival), nextArrival); nextArrival += 1000 * 8000 / arrivalRate }
    if (linkFree <= now) {
      const it = q.dequeue(now)
      if (it !== undefined) {
        linkFree = now + tx(it.size)
        if (now > ms - 1000) { sum += now - it.at; n++ }
      }
    }
  }
  return { codel: q.stats().classes.bulk.droppedPackets.codel, sojourn: n > 0 ? sum / n : 0 }
}

test('CoDel drops under a standing queue and keeps sojourn near target', t => {
  const r = codelRun(1.2 * RATE, 20_000)
  t.log(`standing queue: ${r.codel} CoDel drops, mean sojourn in the last second ${r.sojourn.toFixed(1)} ms`)
  t.true(r.codel > 0)
  t.true(r.sojourn < 50)
})

test('CoDel does not drop a short burst (drains within an interval)', t => {
  // 10 frames of 1000 bytes at 1 Mbit/s drain in 80 ms < interval 100 ms.
  const r = codelRun(RATE, 2_000, { count: 10, at: 100 })
  t.is(r.codel, 0)
})

test('createScheduler picks the discipline; bad options throw ConfigError', t => {
  t.is(createScheduler<Item>('fifo', { linkRate: RATE }).discipline, 'fifo')
  t.is(createScheduler<Item>('snp', { linkRate: RATE }).discipline, 'snp')
  t.throws(() => new SnpScheduler<Item>({ linkRate: 0 }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
  t.throws(() => new SnpScheduler<Item>({ linkRate: RATE, classes: { ...DEFAULT_CLASS_TABLE, bulk: { weight: -1, queueBytes: 10, drop: { kind: 'tail' } } } }), { instanceOf: ConfigError })
  t.throws(() => new SnpScheduler<Item>({ linkRate: RATE, classes: { ...DEFAULT_CLASS_TABLE, network_control: { strictShare: 2, weight: 1, queueBytes: 10, drop: { kind: 'tail' } } } }), { instanceOf: ConfigError })
  t.throws(() => new FifoScheduler<Item>({ limitBytes: 0 }), { instanceOf: ConfigError })
  t.throws(() => new FifoScheduler<Item>().enqueue(item('bulk', 0), 0), { instanceOf: ConfigError })
})
