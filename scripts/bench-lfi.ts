/**
 * LFI benchmark (issue 11): the QoS scenario on real loopback sockets, FIFO, SNP and SNP + LFI on
 * an era profile (default modem-56k), then FIFO and SNP on the default 1 Mbit/s link, each run the
 * full 20 s. Prints per discipline the interactive and game p99 queueing delay, the utilisation and
 * the LFI header cost, the ratios against SNP without LFI in the same run, and every aim with its
 * verdict. Not a test: the aims are judged here, on a full-length run, never in `npm test`.
 *
 *   node --import tsx scripts/bench-lfi.ts [PROFILE] [DURATION_MS]
 */
import { runQosScenario } from '../src/node/scenario-qos.js'
import type { QosScenarioReport } from '../src/node/scenario-qos.js'

const profile = process.argv[2] ?? 'modem-56k'
const durationMs = Number(process.argv[3] ?? 20_000)

function lines (r: QosScenarioReport): string[] {
  const out: string[] = []
  const snp = r.disciplines.snp
  for (const [name, d] of Object.entries(r.disciplines)) {
    if (d === undefined) continue
    const i = d.classes.interactive?.p99Ms ?? NaN
    const g = d.classes.game?.p99Ms ?? NaN
    const lfi = d.linkQos.lfi
    const vs = name !== 'snp' && snp !== undefined
      ? `  snp/${name} p99 interactive ${((snp.classes.interactive?.p99Ms ?? NaN) / i).toFixed(2)} game ${((snp.classes.game?.p99Ms ?? NaN) / g).toFixed(2)}`
      : ''
    const cost = lfi?.enabled === true ? `  fragment headers ${lfi.overheadBytes} B = ${(lfi.overheadShare * 100).toFixed(2)} % of the line (${lfi.fragmentsSent} fragments of ${lfi.chunkBytes} B)` : ''
    out.push(`${(r.profile ?? 'lab 1 Mbit/s').padEnd(12)} ${name.padEnd(8)} interactive p99 ${i.toFixed(1).padStart(7)} ms  game p99 ${g.toFixed(1).padStart(7)} ms  utilisation ${(d.utilisation * 100).toFixed(2)} %${vs}${cost}`)
  }
  out.push(`${(r.profile ?? 'lab 1 Mbit/s').padEnd(12)} full-size frame ${r.frameBytes} B = ${r.frameMs.toFixed(1)} ms; event loop p99 ${Object.values(r.disciplines).map(d => d?.eventLoopDelay.p99Ms).join('/')} ms`)
  for (const a of r.aims) out.push(`  ${a.pass ? 'PASS' : 'FAIL'}  ${a.description}: ${a.value} (limit ${a.limit})`)
  return out
}

let ok = true
for (const options of [{ wan: profile, durationMs }, { durationMs }]) {
  const r = await runQosScenario(options)
  for (const l of lines(r)) console.log(l)
  ok &&= r.aims.every(a => a.pass)
}
if (!ok) process.exitCode = 1
