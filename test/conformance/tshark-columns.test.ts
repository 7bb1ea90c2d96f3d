/**
 * The Protocol and Info columns `decode` prints equal TShark 4.0.17's `_ws.col.Protocol` and
 * `_ws.col.Info` on every frame: of the real captures, against the reference CSVs in
 * ../shared/fixtures/real/tshark/ (recorded with the same TShark), and of every bundled fixture,
 * against the installed tshark run at test time. Frames listed in KNOWN_DIFFERENCES differ, each
 * for the reason given; the test fails if one of them starts to agree (so the list stays true).
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { ROOT, REAL, realMissing, requireReal } from '../_env.js'
import { readTsharkCsv } from '../_tshark.js'
import { readFrames } from '../../src/capture/frames.js'
import { frameColumns } from '../../src/cli/decode.js'
import { columns } from '../../protocol/index.js'

/** `file:frame` → why ipxlab's columns differ from tshark's there. */
const KNOWN_DIFFERENCES: ReadonlyMap<string, string> = new Map([])

interface Row { frame: number, protocol: string, info: string }

async function ours (file: string): Promise<Row[]> {
  const state = new columns.ColumnState()
  const rows: Row[] = []
  for await (const f of readFrames(file)) {
    const c = frameColumns(f, state)
    rows.push({ frame: f.record.index + 1, protocol: c?.protocol ?? '', info: c?.info ?? '' })
  }
  return rows
}

function compare (t: ExecutionContext, name: string, mine: Row[], theirs: Row[]): void {
  t.is(mine.length, theirs.length, `${name}: frame count`)
  let equal = 0
  for (const r of theirs) {
    const m = mine[r.frame - 1]
    const key = `${name}:${r.frame}`
    const same = m !== undefined && m.protocol === r.protocol && m.info === r.info
    if (KNOWN_DIFFERENCES.has(key)) {
      t.false(same, `${key} is listed as differing but now agrees`)
      continue
    }
    if (!same) t.fail(`${key}: ipxlab ${JSON.stringify([m?.protocol, m?.info])}, tshark ${JSON.stringify([r.protocol, r.info])}`)
    else equal++
  }
  t.log(`${name}: ${equal} of ${theirs.length} frames equal`)
}

const realNeed = { shared: true }
const realWhy = realMissing(realNeed)
const REAL_CAPTURES = [
  ['tcpdump/ipx.pcap', 'tcpdump_ipx'], ['tcpdump/ipx-invalid-length.pcap', 'tcpdump_ipx-invalid-length'],
  ['tcpdump/smb_print_trans-oobr1.pcap', 'tcpdump_smb_print_trans-oobr1'], ['ipxbox/doom.cap', 'ipxbox_doom'],
  ['ipxbox/ipxpkt.cap', 'ipxbox_ipxpkt']
] as const

for (const [capture, csv] of REAL_CAPTURES) {
  ;(realWhy === undefined ? test : test.skip)(`columns equal tshark's reference CSV: ${capture}${realWhy !== undefined ? ` (skipped: ${realWhy})` : ''}`, async t => {
    if (!requireReal(t, realNeed)) return
    const theirs = readTsharkCsv(path.join(REAL, 'tshark', `${csv}.ipx.csv`))
      .map(r => ({ frame: Number(r['frame.number']), protocol: r['_ws.col.Protocol'] ?? '', info: r['_ws.col.Info'] ?? '' }))
    compare(t, path.basename(capture), await ours(path.join(REAL, 'captures', capture)), theirs)
  })
}

const tsharkNeed = { tools: ['tshark'] }
const tsharkWhy = realMissing(tsharkNeed)
const FIXTURES = readdirSync(path.join(ROOT, 'fixtures')).filter(f => f.endsWith('.pcapng')).sort()

/** tshark's two columns for every frame of `file` (the separator is a tab; Info never holds one here). */
function tsharkColumns (file: string): Row[] {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Protocol', '-e', '_ws.col.Info'], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 })
  return out.split('\n').filter(l => l !== '').map(l => {
    const [frame = '', protocol = '', ...info] = l.split('\t')
    return { frame: Number(frame), protocol, info: info.join('\t') }
  })
}

for (const fixture of FIXTURES) {
  ;(tsharkWhy === undefined ? test : test.skip)(`columns equal the installed tshark's: fixtures/${fixture}${tsharkWhy !== undefined ? ` (skipped: ${tsharkWhy})` : ''}`, async t => {
    if (!requireReal(t, tsharkNeed)) return
    const file = path.join(ROOT, 'fixtures', fixture)
    compare(t, fixture, await ours(file), tsharkColumns(file))
  })
}
