import test from 'ava'
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { labSample, labSampleFrames } from '../scripts/make-fixtures.js'
import { ROOT, realMissing, requireReal } from './_env.js'

const SAMPLE = path.join(ROOT, 'fixtures', 'lab-sample.pcapng')

test('fixtures/lab-sample.pcapng is what scripts/make-fixtures.ts makes (regenerate with it)', t => {
  t.deepEqual(readFileSync(SAMPLE), labSample())
})

const need = { tools: ['tshark'] }
const why = realMissing(need)
;(why === undefined ? test : test.skip)(`the sample decodes in tshark with no malformed or expert-error frame${why !== undefined ? ` (skipped: ${why})` : ''}`, t => {
  if (!requireReal(t, need)) return
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-fixture-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const copy = path.join(dir, 'sample.pcapng')
  writeFileSync(copy, readFileSync(SAMPLE))
  const bad = execFileSync('tshark', ['-r', copy, '-Y', '_ws.malformed || _ws.expert.severity >= 0x00600000', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  t.is(bad.trim(), '')
  const cols = execFileSync('tshark', ['-r', copy, '-T', 'fields', '-e', '_ws.col.Protocol', '-e', 'ipx.len'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .trim().split('\n').map(l => l.split('\t'))
  const frames = labSampleFrames()
  t.is(cols.length, frames.length)
  t.deepEqual(cols.map(c => Number(c[1])), frames.map(f => f.packet.header.length))
  t.deepEqual(cols.slice(0, 12).map(c => c[0]), ['IPX SAP', 'IPX SAP', 'IPX RIP', 'IPX RIP', 'NCP', 'NCP', 'NCP', 'NCP', 'SPX', 'SPX', 'SPX', 'NBIPX'])
})
