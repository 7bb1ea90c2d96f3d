/**
 * `ipxlab node --capture -`: the pcapng stream on standard output, read live by the real tshark
 * (`ipxlab node --capture - | tshark -l -r -`, as `| wireshark -k -i -` would): the frame shows up
 * in tshark while the node still runs, the stream is clean pcapng to its end, and every line for a
 * person went to standard error.
 */
import test from 'ava'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { ROOT, requireReal } from '../_env.js'
import { BROADCAST, TestClient, until } from '../transport/_dosbox-client.js'

const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts')

test('ipxlab node --capture - | tshark -l -r -: the frames arrive live and decode; logs only on stderr', async t => {
  t.timeout(60_000)
  if (!requireReal(t, { tools: ['tshark'] })) return
  // A real pipe between the two, as a shell makes it (Node's own stdio pipes are sockets, which
  // tshark refuses to read); the node runs in the background of the left side, which says its pid.
  const script = `{ "$0" --import tsx "$1" node --listen 127.0.0.1:0 --snp 127.0.0.1:0 --capture - --log-level info & echo "PID $!" >&2; wait; } | ` +
    'tshark -l -r - -T fields -E separator=, -e frame.protocols -e ipx.len -e _ws.expert'
  const sh = spawn('sh', ['-c', script, process.execPath, MAIN], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const killer = setTimeout(() => { sh.kill('SIGKILL') }, 50_000)
  let stderr = ''
  let decoded = ''
  sh.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  sh.stdout.on('data', (c: Buffer) => { decoded += c.toString() })
  t.true(await until(() => /PID \d+/.test(stderr), 10_000), stderr)
  const pid = Number(/PID (\d+)/.exec(stderr)![1])
  const alive = (): boolean => { try { process.kill(pid, 0); return true } catch { return false } }
  t.teardown(() => { clearTimeout(killer); if (alive()) process.kill(pid, 'SIGKILL'); sh.kill('SIGKILL') })
  t.true(await until(() => /listening on udp\+tcp 127\.0\.0\.1:\d+/.test(stderr), 20_000), stderr)
  const port = Number(/listening on udp\+tcp 127\.0\.0\.1:(\d+)/.exec(stderr)![1])
  t.regex(stderr, /capture: pcapng on standard output/)
  const x = await TestClient.open(port)
  t.teardown(async () => { await x.close() })
  await x.register()
  const y = await TestClient.open(port)
  t.teardown(async () => { await y.close() })
  await y.register()
  y.clear()
  // A broadcast: it crosses the node's router (and so its capture); a unicast between two clients
  // of one node goes from client to client directly, as in DOSBox.
  await x.sendTo(BROADCAST, Buffer.alloc(77, 0x5a))
  t.true(await until(() => y.received.some(d => d.length === 107), 5000), 'delivered through the node')
  // Live: tshark printed the 107-byte IPX frame (30 + 77) while the node is still running.
  t.true(await until(() => /(^|\n)eth:ethertype:ipx[^,]*,107,/.test(decoded), 15_000), `tshark so far: ${decoded} ${stderr}`)
  t.true(alive(), 'the node is still running')
  process.kill(pid, 'SIGTERM')
  const [code] = await once(sh, 'exit') as [number | null]
  t.is(code, 0, 'tshark (the pipeline\'s status) read the stream to its end without an error')
  const foreign = stderr.split('\n').filter(l => /^tshark:|cut short|appears to be damaged|isn't a capture file/i.test(l))
  t.deepEqual(foreign, [], 'no complaint from tshark about the stream')
  t.notRegex(decoded, /malformed/i)
  t.regex(stderr, /ipxlab node stopped \(SIGTERM\)/, 'the stop line went to stderr too')
})
