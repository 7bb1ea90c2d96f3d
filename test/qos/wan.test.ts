import test from 'ava'
import { WanEmulator, Mulberry32, PROFILES, profile, isProfileName, ProfileName } from '../../src/qos/index.js'
import type { WanOptions } from '../../src/qos/index.js'
import { ConfigError } from '../../src/errors.js'

/** Sends `n` frames of `bytes` back to back from t=0; returns the transmissions. */
function run (o: WanOptions, n: number, bytes = 100): Array<ReturnType<WanEmulator['send']>> {
  const w = new WanEmulator(o)
  const out = []
  for (let i = 0; i < n; i++) out.push(w.send(i, bytes, i * 0.5))
  return out
}

const ALL: WanOptions = { rate: 1_000_000, delayMs: 30, jitterMs: 5, loss: 0.02, gilbertElliott: { p: 0.01, r: 0.3 }, duplicate: 0.01, reorder: 0.05, seed: 42 }

test('mulberry32: same seed, same sequence; uniform in [0, 1)', t => {
  const a = new Mulberry32(5); const b = new Mulberry32(5); const c = new Mulberry32(6)
  const sa = Array.from({ length: 1000 }, () => a.next())
  t.deepEqual(sa, Array.from({ length: 1000 }, () => b.next()))
  t.notDeepEqual(sa, Array.from({ length: 1000 }, () => c.next()))
  t.true(sa.every(x => x >= 0 && x < 1))
  const mean = sa.reduce((s, x) => s + x, 0) / sa.length
  t.true(Math.abs(mean - 0.5) < 0.03)
})

test('seeded repeatability: same seed, same deliveries; another seed differs', t => {
  const a = run(ALL, 5000)
  const b = run(ALL, 5000)
  const c = run({ ...ALL, seed: 43 }, 5000)
  t.deepEqual(a, b)
  t.notDeepEqual(a, c)
})

test('serialization at the link rate, frames back to back, then the delay', t => {
  const w = new WanEmulator({ rate: 1_000_000, delayMs: 30 })
  const a = w.send('a', 1500, 0)
  const b = w.send('b', 1500, 1)
  t.is(a.start, 0); t.is(a.end, 12)
  t.is(b.start, 12); t.is(b.end, 24) // waits for a
  t.deepEqual(b.deliveries, [{ frame: 'b', at: 54, duplicate: false, reordered: false }])
  t.is(w.busyUntil, 24)
  t.is(w.serializationMs(1500), 12)
  const o = new WanEmulator({ rate: 1_000_000, overheadBytes: 28 })
  t.is(o.send(0, 97, 0).end, 1)
  t.is(new WanEmulator({}).send(0, 1500, 7).end, 7) // no rate: no serialization
})

test('jitter stays within ±jitter around the delay', t => {
  const tx = run({ delayMs: 30, jitterMs: 5, seed: 9 }, 5000)
  const d = tx.map(x => x.deliveries[0]!.at - x.end)
  t.true(d.every(v => v >= 25 && v <= 35))
  t.true(Math.max(...d) - Math.min(...d) > 9) // it does vary
})

test('random loss rate within tolerance', t => {
  const n = 100_000
  const tx = run({ loss: 0.05, seed: 1 }, n)
  const lost = tx.filter(x => x.lost === 'random').length
  t.true(tx.every(x => (x.lost === undefined) === (x.deliveries.length > 0)))
  t.log(`random loss ${(lost / n * 100).toFixed(2)} % (configured 5 %)`)
  t.true(Math.abs(lost / n - 0.05) < 0.005)
})

/** Mean length of runs of consecutive losses. */
function meanBurst (lost: boolean[]): number {
  let runs = 0; let total = 0; let cur = 0
  for (const l of lost) {
    if (l) { cur++; total++ } else if (cur > 0) { runs++; cur = 0 }
  }
  if (cur > 0) runs++
  return runs === 0 ? 0 : total / runs
}

test('Gilbert-Elliott: mean loss p/(p+r), bursts of mean 1/r, far burstier than random loss', t => {
  const n = 200_000
  const p = 0.01; const r = 0.25
  const ge = run({ gilbertElliott: { p, r }, seed: 3 }, n).map(x => x.lost === 'burst')
  const rate = ge.filter(Boolean).length / n
  const want = p / (p + r)
  const burst = meanBurst(ge)
  const random = run({ loss: want, seed: 3 }, n).map(x => x.lost !== undefined)
  t.log(`GE loss ${(rate * 100).toFixed(2)} % (expected ${(want * 100).toFixed(2)} %), mean burst ${burst.toFixed(2)} (expected ${1 / r}), random loss mean burst ${meanBurst(random).toFixed(2)}`)
  t.true(Math.abs(rate - want) / want < 0.1)
  t.true(Math.abs(burst - 1 / r) / (1 / r) < 0.1)
  t.true(burst > 3 * meanBurst(random))
})

test('Gilbert-Elliott with partial loss in each state', t => {
  const n = 100_000
  const tx = run({ gilbertElliott: { p: 0.1, r: 0.1, lossBad: 0.5, lossGood: 0.1 }, seed: 8 }, n)
  const rate = tx.filter(x => x.lost === 'burst').length / n
  t.true(Math.abs(rate - 0.3) < 0.02) // half the time in each state: (0.5 + 0.1) / 2
})

test('reordering: a reordered frame skips the delay and overtakes earlier frames', t => {
  const tx = run({ rate: 1_000_000, delayMs: 30, reorder: 0.1, seed: 5 }, 20_000)
  const reordered = tx.filter(x => x.deliveries[0]!.reordered)
  t.true(Math.abs(reordered.length / tx.length - 0.1) < 0.01)
  for (const x of reordered) t.is(x.deliveries[0]!.at, x.end)
  const arrivals = tx.map((x, i) => ({ i, at: x.deliveries[0]!.at })).sort((a, b) => a.at - b.at || a.i - b.i)
  let inversions = 0
  for (let k = 1; k < arrivals.length; k++) if (arrivals[k]!.i < arrivals[k - 1]!.i) inversions++
  t.true(inversions > 0)
})

test('duplication: a second copy with duplicate set', t => {
  const tx = run({ delayMs: 10, duplicate: 0.1, seed: 2 }, 20_000)
  const dups = tx.filter(x => x.deliveries.length === 2)
  t.true(Math.abs(dups.length / tx.length - 0.1) < 0.01)
  for (const x of dups) { t.false(x.deliveries[0]!.duplicate); t.true(x.deliveries[1]!.duplicate) }
})

test('stats count frames, bytes and impairments', t => {
  const w = new WanEmulator(ALL)
  for (let i = 0; i < 1000; i++) w.send(i, 100, i)
  const s = w.stats()
  t.is(s.frames, 1000)
  t.is(s.bytes, 100_000)
  t.true(s.lostRandom > 0 && s.lostBurst > 0 && s.reordered > 0)
  t.true(Math.abs(s.busyMs - 1000 * 0.8) < 1e-6)
})

test('bad options throw ConfigError', t => {
  const bad: WanOptions[] = [{ loss: 1.5 }, { rate: 0 }, { delayMs: -1 }, { duplicate: -0.1 }, { gilbertElliott: { p: 2, r: 0 } }, { jitterMs: Number.NaN }]
  for (const o of bad) t.throws(() => new WanEmulator(o), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
})

test('profiles: every preset builds an emulator and says where its numbers come from', t => {
  for (const name of Object.values(ProfileName)) {
    const p = PROFILES[name]
    t.is(p.name, name)
    t.true(p.provenance.length > 0 && p.approximate.length > 0, name)
    t.true(isProfileName(name))
    const w = new WanEmulator(profile(name))
    t.true(w.send(0, 1500, 0).end > 0)
  }
  t.is(profile('lab-wan').rate, 1_000_000)
  t.is(profile('lab-wan').delayMs, 30)
  t.is(profile('modem-56k').rate, 56_000)
  t.is(profile('t1', { seed: 9, loss: 0.01 }).seed, 9)
  t.false(isProfileName('toString'))
  t.throws(() => profile('carrier-pigeon'), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
})
