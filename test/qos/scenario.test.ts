/**
 * The issue-6 QoS scenario on a virtual clock: a 1 Mbit/s link with 30 ms one-way delay carrying a
 * saturating bulk NCP-like transfer, an interactive SPX-like exchange and a game-like broadcast
 * stream, through FIFO and through SNP. Aims:
 *  - interactive p99 queueing delay under SNP <= 2 × the serialization time of one full-size frame;
 *  - at least 10 × lower than under FIFO;
 *  - link utilisation >= 95 %.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { simulate, qosScenario, TRAFFIC_CLASSES } from '../../src/qos/index.js'
import type { SimulationReport, QosScenarioOptions } from '../../src/qos/index.js'

const fmt = (ms: number): string => ms.toFixed(1).padStart(7)

function logReport (t: ExecutionContext, title: string, r: SimulationReport): void {
  t.log(`${title}: utilisation ${(r.utilisation * 100).toFixed(2)} %, frame ${r.frameMs} ms, ${r.events} events`)
  t.log('  class            offered  sent   drops(tail/codel)   p50 ms   p99 ms   max ms   kbit/s')
  for (const c of TRAFFIC_CLASSES) {
    const s = r.classes[c]
    if (s.offered === 0) continue
    t.log(`  ${c.padEnd(16)} ${String(s.offered).padStart(7)} ${String(s.transmitted).padStart(6)} ${`${s.dropped.queue_full}/${s.dropped.codel}`.padStart(16)}  ${fmt(s.delayMs.p50)}  ${fmt(s.delayMs.p99)}  ${fmt(s.delayMs.max)}  ${(s.throughputBps / 1000).toFixed(1).padStart(7)}`)
  }
}

function pair (o: Omit<QosScenarioOptions, 'discipline'> = {}): { fifo: SimulationReport, snp: SimulationReport } {
  return { fifo: simulate(qosScenario({ ...o, discipline: 'fifo' })), snp: simulate(qosScenario({ ...o, discipline: 'snp' })) }
}

for (const seed of [1, 2, 3]) {
  test(`scenario aims hold, FIFO vs SNP (seed ${seed})`, t => {
    const { fifo, snp } = pair({ seed })
    logReport(t, `FIFO seed ${seed}`, fifo)
    logReport(t, `SNP  seed ${seed}`, snp)
    const frame = snp.frameMs
    t.is(frame, 12)
    const snpP99 = snp.classes.interactive.delayMs.p99
    const fifoP99 = fifo.classes.interactive.delayMs.p99
    t.log(`interactive p99: SNP ${snpP99.toFixed(2)} ms (aim <= ${2 * frame} ms), FIFO ${fifoP99.toFixed(2)} ms, ratio ${(fifoP99 / snpP99).toFixed(1)} (aim >= 10)`)
    t.true(snp.classes.interactive.delayMs.samples > 1000)
    t.true(snpP99 <= 2 * frame)
    t.true(fifoP99 >= 10 * snpP99)
    t.true(snp.utilisation >= 0.95)
    t.true(fifo.utilisation >= 0.95)
    // The traffic really was the mix the scenario describes.
    t.true(snp.classes.bulk.throughputBps > 0.9 * 1_000_000)
    t.true(snp.classes.game.delayMs.p99 <= 2 * frame)
    t.is(snp.classes.interactive.dropped.queue_full + snp.classes.game.dropped.queue_full, 0)
  })
}

test('scenario is deterministic for a seed', t => {
  const a = simulate(qosScenario({ discipline: 'snp', seed: 4, durationMs: 20_000 }))
  const b = simulate(qosScenario({ discipline: 'snp', seed: 4, durationMs: 20_000 }))
  t.deepEqual(a, b)
})

test('monitor-only (QoSWorks default) enforces nothing: interactive waits like FIFO', t => {
  const snp = simulate(qosScenario({ discipline: 'snp', durationMs: 30_000 }))
  const monitor = simulate(qosScenario({ discipline: 'snp', durationMs: 30_000, classifier: { monitorOnly: true } }))
  logReport(t, 'SNP monitor-only', monitor)
  // Classified and counted as usual...
  t.true(monitor.classifier.packets.interactive > 0)
  t.is(monitor.scheduler.classes.interactive.enqueuedPackets, 0)
  // ...but all in the default queue, so interactive waits behind bulk.
  t.true(monitor.classes.interactive.delayMs.p99 >= 10 * snp.classes.interactive.delayMs.p99)
})

test('a loss-responsive bulk transfer: latency aims still hold (utilisation reported)', t => {
  const { fifo, snp } = pair({ responsiveBulk: true })
  logReport(t, 'FIFO responsive bulk', fifo)
  logReport(t, 'SNP  responsive bulk', snp)
  t.true(snp.classes.interactive.delayMs.p99 <= 2 * snp.frameMs)
  t.true(fifo.classes.interactive.delayMs.p99 >= 10 * snp.classes.interactive.delayMs.p99)
  t.true(snp.utilisation >= 0.9)
})
