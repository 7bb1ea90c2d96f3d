/**
 * The README's "public server" command line, run as a user runs it (the CLI in a child process),
 * on loopback ports: every flag is accepted, the token guards the API, the limits are in force.
 */
import test from 'ava'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import http from 'node:http'
import path from 'node:path'
import { ROOT } from '../_env.js'

const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts')
const TOKEN = 'readme-token-0123456789abcdef'

async function get (port: number, p: string, token?: string): Promise<{ status: number, body: string }> {
  return await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, agent: false, headers: token !== undefined ? { authorization: `Bearer ${token}` } : {} }, res => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }) })
    }).on('error', reject)
  })
}

test('the README public-server flags: accepted, the API needs the token (but /healthz), the limits show in /api/stats', async t => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-public-'))
  const tokenFile = path.join(dir, 'api-token')
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 })
  const args = ['node', '--listen', '127.0.0.1:0', '--snp', '127.0.0.1:0', '--max-clients', '256', '--max-per-ip', '8', '--rate-limit', '200',
    '--tcp-max-connections', '512', '--tcp-max-per-ip', '8', '--api-token-file', tokenFile]
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  t.teardown(() => { clearTimeout(killer); child.kill('SIGKILL') })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const apiPort = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
      const m = /status API: http:\/\/127\.0\.0\.1:(\d+)\/api\/stats .*\(bearer token required/.exec(stdout)
      if (m !== null) resolve(Number(m[1]))
    })
    child.once('exit', code => { reject(new Error(`exited ${String(code)}: ${stderr}`)) })
  })
  t.is((await get(apiPort, '/healthz')).status, 200)
  t.is((await get(apiPort, '/api/stats')).status, 401)
  const ok = await get(apiPort, '/api/stats', TOKEN)
  t.is(ok.status, 200)
  const doc = JSON.parse(ok.body) as { tcpConnections: { limits: { maxTotal: number, maxPerIp: number } } }
  t.deepEqual(doc.tcpConnections.limits, { maxTotal: 512, maxPerIp: 8 })
  const exit = new Promise<number | null>(resolve => { child.once('exit', code => { resolve(code) }) })
  child.kill('SIGTERM')
  t.is(await exit, 0, stderr)
})
