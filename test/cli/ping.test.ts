import test from 'ava'
import { runCli as run } from '../_cli.js'
import { ipx } from '../../protocol/index.js'
import { twoNodes } from '../node/_two-nodes.js'


test('ipxlab ping: a client joined to node A pings node B across the tunnel, and B answers', async t => {
  const { b, aPort } = await twoNodes(t, { extra: { timers: {} } })
  const target = `${ipx.formatNetwork(b.config.network)}:${ipx.formatNode(b.config.node).replaceAll(':', '')}`
  const r = await run(['ping', target, '--via', `127.0.0.1:${aPort}`, '--count', '3', '--interval', '50'])
  t.is(r.code, 0, r.stdout + r.stderr)
  t.regex(r.stdout, /^PING 00000001:[0-9A-F]{12}:9086 via 127\.0\.0\.1:\d+ as DOSBox client 7f:00:00:01:/m)
  t.is((r.stdout.match(/^reply from 00000001:[0-9A-F]{12}:9086: ping id=\d bytes=40 time=\d+\.\d\d ms$/mg) ?? []).length, 3)
  t.regex(r.stdout, /^3 sent, 3 received, 0% loss, rtt min\/avg\/max [\d.]+\/[\d.]+\/[\d.]+ ms$/m)
})

test('ipxlab ping: nobody at the target is 100% loss and exit 1; a bad target is exit 2', async t => {
  const { aPort } = await twoNodes(t, { extra: { timers: {} } })
  const r = await run(['ping', '00000001:0200DEADBEEF', '--via', `127.0.0.1:${aPort}`, '--count', '2', '--interval', '10', '--timeout', '200'])
  t.is(r.code, 1)
  t.regex(r.stdout, /^no reply to ping id=1 within 200 ms$/m)
  t.regex(r.stdout, /^2 sent, 0 received, 100% loss$/m)
  const bad = await run(['ping', 'nonsense'])
  t.is(bad.code, 2)
  t.regex(bad.stderr, /ipxlab: target: "nonsense" is not NET:NODE/)
})
