/**
 * REAL DOSBox 0.74 against our server, as ../shared/tools/dosbox/ping_test.sh does it: headless
 * DOSBox clients (SDL dummy drivers, no sound), client B connects and stays at the prompt, client A
 * connects, runs `IPXNET PING` into C:\APING.TXT and exits. The verdict is B's port in A's output.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startDosboxNode } from '../../src/transport/serve.js'
import { realMissing } from '../_env.js'
import { until } from './_dosbox-client.js'

/** `dosbox --version` opens SDL and may not exit cleanly, so look the binary up on PATH instead. */
function findDosbox (): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin').split(path.delimiter)) {
    const p = path.join(dir, 'dosbox')
    try {
      accessSync(p, constants.X_OK)
      return p
    } catch {}
  }
  return existsSync('/usr/bin/dosbox') ? '/usr/bin/dosbox' : undefined
}

const DOSBOX = findDosbox()
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
const missing = realMissing({ tools: [] }) ?? (DOSBOX === undefined && !inCi ? 'needs dosbox' : undefined)

/** The harness's generated config (ping_test.sh `conf()`), with our autoexec lines. */
function conf (cDir: string, lines: string[]): string {
  return [
    '[sdl]', 'fullscreen=false', 'output=surface',
    '[dosbox]', 'machine=svga_s3', 'memsize=16',
    '[cpu]', 'core=normal', 'cputype=auto', 'cycles=fixed 5000',
    '[mixer]', 'nosound=true',
    '[midi]', 'mpu401=none', 'mididevice=none',
    '[speaker]', 'pcspeaker=false', 'tandy=off', 'disney=false',
    '[sblaster]', 'sbtype=none',
    '[gus]', 'gus=false',
    '[serial]', 'serial1=disabled', 'serial2=disabled', 'serial3=disabled', 'serial4=disabled',
    '[ipx]', 'ipx=true',
    '[autoexec]', `mount c ${cDir}`, 'c:', ...lines, ''
  ].join('\n')
}

/** Starts DOSBox headless; the process is killed in teardown (TERM, then KILL after 2 s). */
function startDosbox (t: ExecutionContext, dir: string, name: string): ChildProcess {
  const child = spawn(DOSBOX!, ['-conf', path.join(dir, `${name}.conf`)], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, SDL_VIDEODRIVER: 'dummy', SDL_AUDIODRIVER: 'dummy' },
    stdio: ['ignore', 'ignore', 'ignore']
  })
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
    await exited
    clearTimeout(timer)
  })
  return child
}

(missing === undefined ? test : test.skip)(`real DOSBox 0.74: IPXNET PING from A is answered by B through our server${missing !== undefined ? ` (${missing})` : ''}`, async t => {
  t.timeout(60_000)
  if (DOSBOX === undefined) {
    t.fail('CI is set but this test needs the `dosbox` command')
    return
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-dosbox-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const cDir = path.join(dir, 'c')
  mkdirSync(cDir)

  const registered: number[] = []
  const node = await startDosboxNode({ listen: '127.0.0.1:0', onClient: (e, c) => { if (e === 'registered') registered.push(c.port) } })
  t.teardown(async () => { await node.stop() })
  const port = node.address.port

  // Client B: connects and stays at the prompt (it answers pings from its timer tick).
  writeFileSync(path.join(dir, 'B.conf'), conf(cDir, [`ipxnet connect 127.0.0.1 ${port} > c:\\B.TXT`]))
  startDosbox(t, dir, 'B')
  t.true(await until(() => registered.length >= 1, 20_000), 'B registered')
  const bPort = registered[0]!

  // Client A: connects, pings, exits.
  writeFileSync(path.join(dir, 'A.conf'), conf(cDir, [
    `ipxnet connect 127.0.0.1 ${port} > c:\\A.TXT`,
    'ipxnet ping >> c:\\APING.TXT',
    'exit'
  ]))
  const a = startDosbox(t, dir, 'A')
  const aExit = new Promise<number | null>(resolve => a.once('exit', code => { resolve(code) }))
  let timer: NodeJS.Timeout | undefined
  const code = await Promise.race([aExit, new Promise<'timeout'>(resolve => { timer = setTimeout(() => { resolve('timeout') }, 30_000) })])
  clearTimeout(timer)
  t.not(code, 'timeout', 'client A exited by itself')

  const aTxt = existsSync(path.join(cDir, 'A.TXT')) ? readFileSync(path.join(cDir, 'A.TXT'), 'latin1') : ''
  const ping = existsSync(path.join(cDir, 'APING.TXT')) ? readFileSync(path.join(cDir, 'APING.TXT'), 'latin1') : ''
  t.log(ping.replaceAll('\r', '').trim())
  t.regex(aTxt, /connected to server/i)
  t.true(ping.includes(`Response from 127.0.0.1, port ${bPort} `), `APING.TXT has B's port ${bPort}`)
  t.is(node.clients().length, 2)
  t.is(node.counters.received, node.counters.delivered + node.counters.totalDropped())
  t.is(node.counters.totalDropped(), 0, 'real DOSBox traffic passes every check')
})
