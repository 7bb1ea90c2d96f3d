/**
 * `ipxlab lab --scenario qos` (issue 6): runs the FIFO-versus-SNP scenario on real sockets
 * (src/node/scenario-qos.ts), prints a summary table (or, with `--json`, the one JSON object of
 * the issue) and writes the self-contained HTML report. Progress goes to stderr, so stdout holds
 * only the table or the JSON.
 *
 * Exit status: 0 every aim met, 1 the scenario ran and an aim was missed (a finding, as in
 * `decode`/`lint`), 2 the report file could not be written. Bad options and sockets that cannot be
 * opened throw ConfigError / TransportError, which `cli/main.ts` maps to status 2.
 */
import { accessSync, constants, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { runQosScenario } from '../node/scenario-qos.js'
import type { QosScenarioReport, QosScenarioRunOptions, QosDiscipline, QosDisciplineResult } from '../node/scenario-qos.js'
import { qosJson, renderQosReportHtml } from '../node/report-html.js'
import type { Io } from './main.js'

/** Where the HTML report goes when `--report` is not given (in the current directory). */
export const DEFAULT_QOS_REPORT = 'ipxlab-qos-report.html'

/** Exit statuses, as `Exit` in cli/main.ts (not imported: main.ts imports the lab commands). */
const OK = 0
const AIM_MISSED = 1
const CANNOT_WRITE = 2

/** Options of {@link runQosLab}. */
export interface QosLabOptions {
  /** Print the one JSON object instead of the table. */
  json: boolean
  /** HTML report path (default {@link DEFAULT_QOS_REPORT} in the current directory). */
  report?: string
  /** Run length per discipline, warm-up included, ms (default 20 000). */
  durationMs?: number
  /** Further scenario settings (tests, benchmarks): rate, delay, seed, disciplines, logger. */
  scenario?: Omit<QosScenarioRunOptions, 'durationMs' | 'onProgress'>
}

function pad (s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length)
}

function lpad (s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s
}

/** The text summary: one row per discipline and class, utilisation, the aims. */
export function formatQosSummary (report: QosScenarioReport): string {
  const lines: string[] = []
  lines.push(`QoS scenario: ${report.profile != null ? `${report.profile}, ` : ''}${report.rateBps / 1e6} Mbit/s, ${report.delayMs} ms one-way, ${report.durationMs / 1000} s per discipline ` +
    `(${report.warmupMs / 1000} s warm-up); full-size frame ${report.frameBytes} B = ${report.frameMs.toFixed(2)} ms`)
  lines.push('')
  lines.push(`${pad('disc', 7)} ${pad('class', 16)} ${lpad('packets', 7)} ${lpad('queue p50', 10)} ${lpad('p99', 8)} ${lpad('max', 8)} ${lpad('1-way p99', 10)} ${lpad('kbit/s', 8)} ${lpad('drops', 6)}  (ms)`)
  for (const [name, d] of Object.entries(report.disciplines) as Array<[QosDiscipline, QosDisciplineResult]>) {
    for (const [c, k] of Object.entries(d.classes)) {
      lines.push(`${pad(name.toUpperCase(), 7)} ${pad(c, 16)} ${lpad(String(k.offered), 7)} ${lpad(k.p50Ms.toFixed(1), 10)} ${lpad(k.p99Ms.toFixed(1), 8)} ${lpad(k.maxMs.toFixed(1), 8)} ` +
        `${lpad(k.oneWay !== null ? k.oneWay.p99Ms.toFixed(1) : '-', 10)} ${lpad((k.throughputBps / 1000).toFixed(1), 8)} ${lpad(String(k.drops), 6)}`)
    }
    const lfi = d.linkQos.lfi
    lines.push(`${pad(name.toUpperCase(), 7)} link utilisation ${(d.utilisation * 100).toFixed(2)} %` +
      (lfi?.enabled === true ? ` (LFI: ${lfi.fragmentedFrames} frames in ${lfi.fragmentsSent} fragments of ${lfi.chunkBytes} B, ${lfi.overheadBytes} B of fragment headers = ${(lfi.overheadShare * 100).toFixed(2)} % of the line)` : ''))
  }
  lines.push('')
  for (const a of report.aims) lines.push(`${a.pass ? 'PASS' : 'FAIL'}  ${a.description}: ${a.value} (limit ${a.limit})`)
  return lines.join('\n') + '\n'
}

/**
 * Why the report cannot be written to `file`, checked before the experiment starts (its folder is
 * missing, is not a folder, or is not writable; `file` itself is a folder); undefined when it can.
 */
export function reportProblem (file: string): string | undefined {
  const dir = path.dirname(file)
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a folder`
    accessSync(dir, constants.W_OK)
  } catch (err) {
    return `folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`
  }
  try {
    if (statSync(file).isDirectory()) return `${file} is a folder`
  } catch {}
  return undefined
}

/** Runs the scenario and reports; resolves to the exit status. */
export async function runQosLab (options: QosLabOptions, io: Io): Promise<number> {
  const file = path.resolve(options.report ?? DEFAULT_QOS_REPORT)
  const problem = reportProblem(file)
  if (problem !== undefined) {
    io.stderr.write(`ipxlab: cannot write the report ${file} (${problem}); nothing was run\n`)
    return CANNOT_WRITE
  }
  let phase = ''
  const report = await runQosScenario({
    ...(options.scenario ?? {}),
    ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
    onProgress: p => {
      const key = `${p.discipline}/${p.phase}`
      if (key === phase) return
      phase = key
      io.stderr.write(`ipxlab: qos scenario ${p.discipline.toUpperCase()}: ${p.phase} (${(p.elapsedMs / 1000).toFixed(1)} of ${(p.totalMs / 1000).toFixed(1)} s)\n`)
    }
  })
  if (options.json) io.stdout.write(JSON.stringify(qosJson(report)) + '\n')
  else io.stdout.write(formatQosSummary(report))
  try {
    writeFileSync(file, renderQosReportHtml(report))
  } catch (err) {
    io.stderr.write(`ipxlab: cannot write the report ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`)
    return CANNOT_WRITE
  }
  const where = `report: ${file}\n`
  if (options.json) io.stderr.write(`ipxlab: ${where}`)
  else io.stdout.write(where)
  return report.aims.length > 0 && report.aims.every(a => a.pass) ? OK : AIM_MISSED
}
