/**
 * Test helper: REAL DOSBox 0.74 clients, headless, as ../shared/tools/dosbox/ping_test.sh drives
 * them (SDL dummy drivers, no sound, a generated config, a temp dir mounted as C:).
 */
import type { ExecutionContext } from 'ava'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { realMissing } from './_env.js'

/** `dosbox --version` opens SDL and may not exit cleanly, so look the binary up on PATH instead. */
export function findDosbox (): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin').split(path.delimiter)) {
    const p = path.join(dir, 'dosbox')
    try {
      accessSync(p, constants.X_OK)
      return p
    } catch {}
  }
  return existsSync('/usr/bin/dosbox') ? '/usr/bin/dosbox' : undefined
}

export const DOSBOX = findDosbox()
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
export const dosboxMissing = realMissing({ tools: [] }) ?? (DOSBOX === undefined && !inCi ? 'needs dosbox' : undefined)

/** The harness's generated config (ping_test.sh `conf()`), with our autoexec lines. */
export function conf (cDir: string, lines: string[]): string {
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
export function startDosbox (t: ExecutionContext, dir: string, name: string): ChildProcess {
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

/** A temp dir with a C: folder, removed in teardown. */
export function dosboxDir (t: ExecutionContext): { dir: string, cDir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-dosbox-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const cDir = path.join(dir, 'c')
  mkdirSync(cDir)
  return { dir, cDir }
}

/** A DOS output file (8.3 upper-case name, CRLF), '' when absent. */
export function dosFile (cDir: string, name: string): string {
  const p = path.join(cDir, name)
  return existsSync(p) ? readFileSync(p, 'latin1') : ''
}

/** Resolves to the exit code, or 'timeout' after `ms`. */
export async function exited (child: ChildProcess, ms: number): Promise<number | null | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const r = await Promise.race([
    new Promise<number | null>(resolve => child.once('exit', code => { resolve(code) })),
    new Promise<'timeout'>(resolve => { timer = setTimeout(() => { resolve('timeout') }, ms) })
  ])
  clearTimeout(timer)
  return r
}

/**
 * A real DOSBox that connects to the server at 127.0.0.1:`port`, runs `IPXNET PING` once and
 * exits (bounded at 40 s); resolves to what the ping printed (CR removed).
 */
export async function dosboxPingOnce (t: ExecutionContext, port: number): Promise<string> {
  const { dir, cDir } = dosboxDir(t)
  writeFileSync(path.join(dir, 'A.conf'), conf(cDir, [
    `ipxnet connect 127.0.0.1 ${port} > c:\\A.TXT`,
    'ipxnet ping >> c:\\APING.TXT',
    'exit'
  ]))
  const a = startDosbox(t, dir, 'A')
  t.not(await exited(a, 40_000), 'timeout', 'DOSBox exited by itself')
  t.regex(dosFile(cDir, 'A.TXT'), /connected to server/i)
  const ping = dosFile(cDir, 'APING.TXT').replaceAll('\r', '').trim()
  t.log(ping)
  return ping
}
