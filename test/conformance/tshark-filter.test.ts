/**
 * `-Y` selects the frames tshark's `-Y` selects: each filter below runs through TShark 4.0.17 and
 * through the same path `decode -Y` uses (readFrames → columns → dissection → filter), on one
 * capture that `mergecap -a` makes of the real ipx.pcap and the bundled fixtures with NetWare
 * traffic, and the frame numbers must be equal (one tshark run per filter, four at a time). Bare `sap`, `rip`
 * and `netbios` are ipxlab's short names (tshark knows only ipxsap, ipxrip, nbipx); they are
 * checked against their long forms instead.
 */
import test from 'ava'
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { promisify } from 'node:util'
import path from 'node:path'
import { ROOT, REAL, realMissing, requireReal } from '../_env.js'
import { readFrames } from '../../src/capture/frames.js'
import { compileDisplayFilter, passes } from '../../src/capture/view.js'
import { columns } from '../../protocol/index.js'

const FILTERS = [
  'ipx.dst.socket == 0x0452 and ipxsap.packet_type == 2', 'ncp', 'ipxsap', 'ipxrip', 'nbipx', 'browser', 'spx', 'llc', 'eth.len',
  'spx.ctl == 0x0c', 'ipx.socket == 0x0453', 'ipx.packet_type != 0x11 and not ipxsap', 'ipxsap.server.type == 4',
  'ncp.func == 0x17 && ncp.subfunc == 0x17', 'ncp.func == 0x48', 'netbios.nb_name_type == 0x1c', 'ipx.len >= 80',
  'ipxrip.hops < 2', 'eth.type == 0x8137', 'ipx.src.node == 00:03:47:1b:c1:a8', 'ncp.completion_code == 0',
  'frame.len > 100 || spx', 'ipx.dst.net == 0x1994a001', 'ipxsap.server.name == "FS1"', 'spx.seq > 2 and spx.ack < 5',
  'llc.dsap == 0xe0', '!(ipx.hops == 0) or ipxrip.ticks <= 1', 'ipx.dst.node == ff:ff:ff:ff:ff:ff && !nbipx',
  'ncp.connection == 3', 'ncp.seq >= 200', 'ipxsap or ipxrip and ncp', 'ncp and ipxrip or ipxsap'
]

const SHORT_NAMES: ReadonlyArray<readonly [string, string]> = [['sap', 'ipxsap'], ['rip and not sap', 'ipxrip and not ipxsap'], ['netbios', 'nbipx']]

async function ours (file: string, text: string): Promise<number[]> {
  const f = compileDisplayFilter(text)
  const state = new columns.ColumnState()
  const out: number[] = []
  for await (const r of readFrames(file)) {
    const cols = r.kind === 'ipx' ? columns.columns(r.located.ipx, state) : undefined
    if (passes(f, r, cols)) out.push(r.record.index + 1)
  }
  return out
}

async function theirs (file: string, text: string): Promise<number[]> {
  const { stdout } = await promisify(execFile)('tshark', ['-r', file, '-Y', text, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' })
  return stdout.split('\n').filter(l => l !== '').map(Number)
}

const need = { shared: true, tools: ['tshark', 'mergecap'] }
const why = realMissing(need)
const SOURCES = [path.join(REAL, 'captures/tcpdump/ipx.pcap'), ...['lab-sample', 'netware-login', 'spx-session', 'sap-rip-convergence'].map(f => path.join(ROOT, 'fixtures', `${f}.pcapng`))]

const CASES = [...FILTERS.map(f => [f, f] as const), ...SHORT_NAMES]
const BATCH = 4
let merged: string | undefined

test.before(() => {
  if (why !== undefined || realMissing(need) !== undefined) return
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-filter-'))
  merged = path.join(dir, 'merged.pcapng')
  try {
    execFileSync('mergecap', ['-a', '-w', merged, ...SOURCES], { stdio: 'ignore' })
  } catch {
    merged = undefined
  }
})

test.after.always(() => {
  if (merged !== undefined) rmSync(path.dirname(merged), { recursive: true, force: true })
})

// Serial batches of four tshark runs: each test reports within ava's timeout on a loaded machine.
for (let i = 0; i < CASES.length; i += BATCH) {
  const batch = CASES.slice(i, i + BATCH)
  ;(why === undefined ? test.serial : test.skip)(`-Y selects the frames tshark -Y selects: ${batch.map(([m]) => m).join(' | ')}${why !== undefined ? ` (skipped: ${why})` : ''}`, async t => {
    if (!requireReal(t, need)) return
    const file = merged
    if (file === undefined) { t.fail('mergecap could not merge the captures'); return }
    await Promise.all(batch.map(async ([mine, tshark]) => {
      const want = await theirs(file, tshark)
      t.deepEqual(await ours(file, mine), want, mine === tshark ? mine : `${mine} (as ${tshark})`)
    }))
  })
}
