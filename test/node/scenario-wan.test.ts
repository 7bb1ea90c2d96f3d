/**
 * The QoS scenario on an era profile (issue 11, src/node/scenario-wan.ts): the mix scaled to the
 * link, the LFI aims judged, and one SHORT real-socket run on modem-56k (SNP and SNP + LFI, 4 s
 * each) asserting only what holds with wide slack on a shared machine: SNP + LFI's interactive and
 * game p99 far below SNP's, the link busy, the fragments rebuilt. The strict aims are judged on
 * full-length runs by scripts/bench-lfi.ts.
 */
import test from 'ava'
import { runQosScenario } from '../../src/node/scenario-qos.js'
import { qosJson } from '../../src/node/report-html.js'
import { scenarioLink, scenarioQos, lfiAims } from '../../src/node/scenario-wan.js'
import { ConfigError } from '../../src/errors.js'
import { runCli } from '../_cli.js'

const MIX = { bulkFrameBytes: 1424, interactiveBytes: 64, gameBytes: 80, interactivePeriodMs: 50, gamePeriodMs: 1000 / 35 }

test('scenarioLink: the default link keeps issue 6\'s mix; a modem stretches the sparse flows to 10 % of the rate each', t => {
  t.like(scenarioLink(MIX), { profile: null, rateBps: 1e6, delayMs: 30, interactivePeriodMs: 50, gamePeriodMs: 1000 / 35, bulkWindow: 48 })
  const m = scenarioLink({ ...MIX, wan: 'modem-56k' })
  t.like(m, { profile: 'modem-56k', rateBps: 56_000, delayMs: 100 })
  t.true(Math.abs(m.interactivePeriodMs - 64 * 8 * 1000 / 5600) < 1e-9)
  t.true(Math.abs(m.gamePeriodMs - 80 * 8 * 1000 / 5600) < 1e-9)
  t.is(m.bulkWindow, 2 + 6, 'the bandwidth-delay product (2 frames) and a 6-frame queue')
  t.throws(() => scenarioLink({ ...MIX, wan: 'x25' }), { instanceOf: ConfigError, message: /scenario\.wan/ })
  t.like(scenarioQos('snp_lfi', { rateBps: 56_000, delayMs: 100, seed: 1 }), { discipline: 'snp', lfi: { enabled: true, chunkBytes: 128 } })
  t.is(scenarioQos('snp', { rateBps: 56_000, delayMs: 100, seed: 1 }).lfi, undefined)
})

test('lfiAims: judged on a slow link only, each against its limit', t => {
  const d = (i: number, g: number, u: number): { utilisation: number, classes: Record<string, { p99Ms: number }> } => ({ utilisation: u, classes: { interactive: { p99Ms: i }, game: { p99Ms: g } } })
  const good = lfiAims({ frameBytes: 1424, frameMs: 203.4, disciplines: { snp: d(400, 380, 0.99), snp_lfi: d(20, 45, 0.95) } })
  t.deepEqual(good.map(a => [a.name, a.pass]), [
    ['snp-lfi-interactive-p99', true], ['snp-over-snp-lfi-interactive-p99', true],
    ['snp-lfi-game-p99', true], ['snp-over-snp-lfi-game-p99', true], ['snp-lfi-utilisation', true]
  ])
  t.is(good[0]!.limit, 50.85)
  const bad = lfiAims({ frameBytes: 1424, frameMs: 203.4, disciplines: { snp: d(100, 100, 0.99), snp_lfi: d(60, 30, 0.85) } })
  t.deepEqual(bad.map(a => a.pass), [false, false, true, false, false])
  t.deepEqual(lfiAims({ frameBytes: 1424, frameMs: 11.4, disciplines: { snp_lfi: d(1, 1, 1) } }), [], 'not on a fast link')
})

test('ipxlab lab --scenario qos --wan with an unknown profile is one line and exit 2', async t => {
  const r = await runCli(['lab', '--scenario', 'qos', '--wan', 'modem-99k', '--json'])
  t.is(r.code, 2)
  t.regex(r.stderr, /^ipxlab: scenario\.wan: unknown profile "modem-99k"; known: modem-56k/)
  const n = await runCli(['lab', '--wan', 'modem-56k'])
  t.is(n.code, 2, '--wan without the qos scenario')
  t.regex(n.stderr, /ipxlab node --qos snp --wan PROFILE/)
})

test.serial('short real-socket run on modem-56k: SNP + LFI keeps interactive and game between the fragments', async t => {
  t.timeout(90_000)
  const report = await runQosScenario({ wan: 'modem-56k', durationMs: 4000, warmupMs: 1000, disciplines: ['snp', 'snp_lfi'], seed: 5 })
  const snp = report.disciplines.snp!
  const lfi = report.disciplines.snp_lfi!
  t.log(`interactive p99 SNP ${snp.classes.interactive!.p99Ms} ms, SNP+LFI ${lfi.classes.interactive!.p99Ms} ms; game ${snp.classes.game!.p99Ms} / ${lfi.classes.game!.p99Ms}; utilisation ${snp.utilisation} / ${lfi.utilisation}; frame ${report.frameMs} ms`)
  t.is(report.profile, 'modem-56k')
  t.is(report.rateBps, 56_000)
  for (const c of ['interactive', 'game']) {
    t.true(lfi.classes[c]!.samples >= 10, `${c} was measured`)
    t.true(lfi.classes[c]!.p99Ms < snp.classes[c]!.p99Ms / 2, `${c}: SNP + LFI p99 far below SNP's`)
    t.true(lfi.classes[c]!.p99Ms < report.frameMs / 2, `${c}: SNP + LFI p99 well inside one frame time`)
    t.is(lfi.classes[c]!.lost, 0, `${c}: nothing lost`)
  }
  const f = lfi.linkQos.lfi!
  t.true(f.enabled && f.fragmentsSent > 0 && f.chunkBytes === 128)
  t.true(f.overheadShare > 0 && f.overheadShare < 0.07, 'fragment headers cost under 7 % of the line')
  t.true(lfi.utilisation >= 0.7, 'the bulk keeps the link busy')
  t.true(lfi.classes.bulk!.throughputBps > 0.5 * 56_000, 'bulk frames were rebuilt and arrived')
  const json = qosJson(report)
  t.deepEqual(Object.keys(json), ['snp', 'snp_lfi'])
  t.is(typeof json.snp_lfi!.classes!.interactive!.p99Ms, 'number')
  t.is(typeof json.snp_lfi!.utilisation, 'number')
})
