/**
 * The lab's key file (src/node/key-file.ts): made on first use, read afterwards, one key when
 * several nodes start at once on one volume (as compose.yaml's two nodes do), a clear error for
 * a bad file, and `ipxlab node --key-file` / `IPXLAB_KEY_FILE` on the command line.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { loadOrCreateKeyFile } from '../../src/node/key-file.js'
import { runNode } from '../../src/cli/node.js'
import { ConfigError } from '../../src/errors.js'
import { ROOT } from '../_env.js'

function tempDir (t: ExecutionContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-key-file-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

test('a missing key file is made with 32 random bytes in hex, mode 0600, and read back the next time', t => {
  const file = path.join(tempDir(t), 'lab.key')
  const made = loadOrCreateKeyFile(file)
  t.true(made.created)
  t.regex(made.text, /^[0-9a-f]{64}$/)
  t.is(readFileSync(file, 'utf8'), made.text + '\n')
  t.is(statSync(file).mode & 0o777, 0o600)
  t.deepEqual(loadOrCreateKeyFile(file), { text: made.text, created: false })
  t.deepEqual(readdirSync(path.dirname(file)), ['lab.key'], 'no temporary file left beside it')
  const other = loadOrCreateKeyFile(path.join(tempDir(t), 'lab.key'))
  t.not(other.text, made.text)
})

test('a key file that is not a key, or cannot be made, is a ConfigError naming the file', t => {
  const dir = tempDir(t)
  const bad = path.join(dir, 'bad.key')
  writeFileSync(bad, 'abcd\n')
  const e = t.throws(() => loadOrCreateKeyFile(bad), { instanceOf: ConfigError })
  t.regex(e?.message ?? '', /^key-file: .*bad\.key is 2 bytes; at least 16 are needed/)
  t.throws(() => loadOrCreateKeyFile(path.join(dir, 'no', 'such', 'dir', 'lab.key')), { instanceOf: ConfigError, message: /cannot create/ })
  if (process.getuid?.() !== 0) {
    const locked = path.join(dir, 'locked')
    writeFileSync(locked, 'x')
    chmodSync(locked, 0)
    t.throws(() => loadOrCreateKeyFile(locked), { instanceOf: ConfigError, message: /cannot read/ })
  }
})

test('nodes starting at once on one volume end up with one key (link(2) lets exactly one file win)', async t => {
  const file = path.join(tempDir(t), 'lab.key')
  const code = `import { loadOrCreateKeyFile } from ${JSON.stringify(path.join(ROOT, 'src/node/key-file.ts'))}; process.stdout.write(loadOrCreateKeyFile(process.argv[1]).text)`
  const runs = Array.from({ length: 4 }, async () => await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.once('exit', status => {
      clearTimeout(timer)
      if (status === 0) resolve(out)
      else reject(new Error(`exit ${String(status)}`))
    })
  }))
  const keys = await Promise.all(runs)
  t.is(new Set(keys).size, 1, keys.join(' '))
  t.is(readFileSync(file, 'utf8').trim(), keys[0] ?? '')
})

async function node (t: ExecutionContext, o: Omit<Parameters<typeof runNode>[0], 'logLevel'>): Promise<string> {
  const stdout = new PassThrough()
  let out = ''
  stdout.on('data', (c: Buffer) => { out += c.toString() })
  await runNode({ listen: '127.0.0.1:0', snp: '127.0.0.1:0', until: Promise.resolve(), ...o, logLevel: 'error' }, { stdout, stderr: new PassThrough() })
  t.pass()
  return out
}

test('ipxlab node --key-file (or IPXLAB_KEY_FILE): says it made the key, then reads it; with --key as well, one line refusing', async t => {
  const file = path.join(tempDir(t), 'lab.key')
  const peer = { peer: ['udp://127.0.0.2:9'] }
  const first = await node(t, { ...peer, keyFile: file, env: {} })
  t.regex(first, new RegExp(`^ {2}key: made a new one in ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(copy that file to the other nodes of the lab\\)$`, 'm'))
  t.regex(first, /^ {2}peer: udp:\/\/127\.0\.0\.2:9 \(authenticated\)$/m)
  const second = await node(t, { ...peer, env: { IPXLAB_KEY_FILE: file } })
  t.regex(second, /^ {2}key: from .*lab\.key$/m)
  await t.throwsAsync(node(t, { keyFile: file, key: 'ab'.repeat(16), env: {} }), { instanceOf: ConfigError, message: /give the key once/ })
  await t.throwsAsync(node(t, { keyFile: file, env: { IPXLAB_KEY: 'ab'.repeat(16) } }), { instanceOf: ConfigError, message: /give the key once/ })
})
