/**
 * `ipxlab lab --scenario qos` as the lab command calls it: {@link runQosLab} with collected
 * streams, a very short SNP-only run (1.5 s), the report written into a temporary directory.
 */
import test from 'ava'
import { Writable } from 'node:stream'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { runQosLab, formatQosSummary, DEFAULT_QOS_REPORT } from '../../src/cli/lab-qos.js'

function collector (): { stream: Writable, text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({ write (c: Buffer | string, _e, cb) { chunks.push(c.toString()); cb() } })
  return { stream, text: () => chunks.join('') }
}

function tempDir (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-qos-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

test.serial('--json prints one object with a member per discipline and writes the HTML report', async t => {
  t.timeout(60_000)
  const dir = tempDir(t)
  const file = path.join(dir, 'r.html')
  const out = collector()
  const err = collector()
  const code = await runQosLab({ json: true, report: file, durationMs: 1500, scenario: { disciplines: ['snp'] } }, { stdout: out.stream, stderr: err.stream })
  t.true(code === 0 || code === 1, 'ran: 0 every aim met, 1 an aim missed')
  const lines = out.text().trim().split('\n')
  t.is(lines.length, 1, 'stdout holds only the JSON object')
  const json = JSON.parse(lines[0]!) as Record<string, Record<string, unknown>>
  t.deepEqual(Object.keys(json), ['snp'])
  t.is(typeof json.snp!.utilisation, 'number')
  t.like(json.snp!.interactive, { drops: 0 })
  t.regex(err.text(), /qos scenario SNP: measure/)
  // The progress lines go forward only: each phase once, in the run's order.
  const phases = [...err.text().matchAll(/qos scenario SNP: (\w+) \(/g)].map(m => m[1])
  t.deepEqual(phases, ['start', 'warmup', 'measure', 'drain', 'done'], err.text())
  t.regex(err.text(), /report: .*r\.html/)
  const html = readFileSync(file, 'utf8')
  t.regex(html, /<svg /)
})

test.serial('the text form prints the summary table and the report path; the default file name', async t => {
  t.timeout(60_000)
  const dir = tempDir(t)
  const cwd = process.cwd()
  process.chdir(dir)
  t.teardown(() => { process.chdir(cwd) })
  const out = collector()
  const err = collector()
  const code = await runQosLab({ json: false, durationMs: 1500, scenario: { disciplines: ['snp'] } }, { stdout: out.stream, stderr: err.stream })
  t.true(code === 0 || code === 1)
  const text = out.text()
  t.regex(text, /SNP\s+interactive\s+\d+/)
  t.regex(text, /SNP\s+link utilisation \d+\.\d\d %/)
  t.regex(text, /(PASS|FAIL) {2}SNP interactive p99/)
  t.true(text.includes(`report: ${path.join(dir, DEFAULT_QOS_REPORT)}`) || text.includes(DEFAULT_QOS_REPORT))
  t.true(existsSync(path.join(dir, DEFAULT_QOS_REPORT)))
})

test.serial('an unwritable report path is exit status 2 at once, before the experiment runs', async t => {
  const dir = tempDir(t)
  const out = collector()
  const err = collector()
  const started = Date.now()
  const code = await runQosLab({ json: true, report: path.join(dir, 'missing', 'r.html'), durationMs: 1000, scenario: { disciplines: ['snp'], warmupMs: 300 } }, { stdout: out.stream, stderr: err.stream })
  t.is(code, 2)
  t.regex(err.text(), /cannot write the report .*r\.html \(folder .*missing: ENOENT\); nothing was run/)
  t.is(out.text(), '', 'no figures: nothing ran')
  t.notRegex(err.text(), /qos scenario/, 'no progress line')
  t.true(Date.now() - started < 1000)
  const code2 = await runQosLab({ json: true, report: dir, durationMs: 1000 }, { stdout: out.stream, stderr: err.stream })
  t.is(code2, 2)
  t.regex(err.text(), /is a folder/)
})

test('formatQosSummary: one row per discipline and class, the utilisation, the aims', t => {
  const text = formatQosSummary({
    startedAt: 'x', rateBps: 1e6, delayMs: 30, durationMs: 20_000, warmupMs: 3000, seed: 1, bulkWindow: 48, frameBytes: 1424, frameMs: 11.392,
    disciplines: {
      fifo: {
        discipline: 'fifo', utilisation: 0.97, measuredMs: 17_000,
        classes: { interactive: { p50Ms: 500, p99Ms: 520.5, maxMs: 530, samples: 10, throughputBps: 10_240, drops: 0, dropsByReason: {}, offered: 340, oneWay: { p50Ms: 530, p99Ms: 551.25, maxMs: 560, samples: 10 }, lost: 0 } },
        flowClasses: { bulk: 'bulk', interactive: 'interactive', game: 'game' }, series: {},
        interactiveRtt: { p50Ms: 0, p99Ms: 0, maxMs: 0, samples: 0 }, eventLoopDelay: { p50Ms: 1, p99Ms: 1, maxMs: 1 }, nodeDrops: {},
        linkQos: { discipline: 'fifo', rateBps: 1e6, monitorOnly: false, classes: {}, utilisation: 0.97, backlogBytes: 0 }
      }
    },
    aims: [{ name: 'snp-utilisation', description: 'link utilisation under SNP ≥ 95 %', value: 0.9, limit: 0.95, pass: false }]
  })
  t.regex(text, /^FIFO +interactive +340 +500\.0 +520\.5 +530\.0 +551\.3 +10\.2 +0$/m)
  t.regex(text, /^FIFO +link utilisation 97\.00 %$/m)
  t.regex(text, /^FAIL {2}link utilisation under SNP ≥ 95 %: 0\.9 \(limit 0\.95\)$/m)
})
