/**
 * Issue 16, ticks per link on nodes a user starts by hand: `ipxlab node --mode route --wan
 * modem-56k` gives its links 4 ticks (src/node/router.ts `linkTicks`), says so in the banner, and
 * adds them to the routes it hears; the peer without `--wan` keeps one tick for its direction.
 * Real loopback sockets on 127.0.165.x, ephemeral ports.
 */
import test from 'ava'
import { runNode } from '../../src/cli/node.js'
import { startNode } from '../../src/node/node.js'
import type { IpxNode } from '../../src/node/node.js'
import { validateConfig } from '../../src/node/config.js'
import { captureIo } from '../_cli.js'
import { IN_PROCESS_LIMITS, freePort } from '../node/_two-nodes.js'
import { until } from '../transport/_dosbox-client.js'

test('ipxlab node --mode route --wan modem-56k: the banner says 4 ticks, and the routes it learns over the modem cost 4 ticks', async t => {
  t.timeout(30_000)
  const [ha, hb] = ['127.0.165.1', '127.0.165.2']
  const [pa, sa, pb, sb] = [await freePort(ha), await freePort(ha), await freePort(hb), await freePort(hb)]
  const b = await startNode(validateConfig({ name: 'B', mode: 'route', network: '0000B00B', listen: `${hb}:${pb}`, snpListen: `${hb}:${sb}`, peers: [{ address: `${ha}:${pa}`, snp: `${ha}:${sa}` }], limits: IN_PROCESS_LIMITS }))
  t.teardown(async () => { await b.stop() })
  const { io, text } = captureIo()
  let release: () => void = () => {}
  const ended = new Promise<void>(resolve => { release = resolve })
  let a: IpxNode | undefined
  const run = runNode({
    name: 'A', mode: 'route', network: '0000A00A', listen: `${ha}:${pa}`, snp: `${ha}:${sa}`, peer: [`${hb}:${pb}`], wan: 'modem-56k', logLevel: 'error',
    env: {}, until: ended, onStarted: n => { a = n }
  }, io)
  t.teardown(async () => { release(); await run })
  t.true(await until(() => a !== undefined, 10_000), 'node A started')
  t.regex(text().stdout, new RegExp(`peer: udp://${hb.replace(/\./g, '\\.')}:${pb}, 4 ticks\\n`))
  t.true(await until(() => a!.router.route(0xb00b)?.hops === 1 && b.router.route(0xa00a)?.hops === 1, 10_000), 'RIP crossed the link both ways')
  t.is(a!.router.port(`peer:udp:${hb}:${pb}`)?.ticks, 4)
  t.like(a!.router.route(0xb00b), { hops: 1, ticks: 4 }, 'A sends over the modem: its route to B costs the link\'s 4 ticks')
  t.like(b.router.route(0xa00a), { hops: 1, ticks: 1 }, 'B was not told of a slow link: its direction is a LAN\'s one tick')
})
