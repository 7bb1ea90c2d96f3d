/**
 * Issue 14's proof with real peers: a page in REAL headless Chromium, whose own `WebSocket` speaks
 * the js-dos relay protocol to an ipxlab node, and REAL DOSBox 0.74 clients on UDP.
 *  (a) DOSBox on the node's UDP side runs `IPXNET PING`; the browser (on the WebSocket side of the
 *      same node) answers, and DOSBox prints the browser's address and port;
 *  (b) the browser on node A pings; a DOSBox client of node B answers through the native tunnel.
 * The page comes from a loopback HTTP server, and the endpoint's Origin allow-list admits exactly
 * that origin.
 */
import test from 'ava'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { startNode } from '../../src/node/node.js'
import { validateConfig } from '../../src/node/config.js'
import { DOSBOX, dosboxMissing, conf, startDosbox, dosboxDir, dosboxPingOnce } from '../_dosbox.js'
import { realMissing, requireReal } from '../_env.js'
import { chromiumNeeds, openPage, servePage } from '../_chromium.js'
import { IPX_PAGE } from '../_ipx-page.js'
import { until } from '../transport/_dosbox-client.js'
import { twoNodes, freePort } from './_two-nodes.js'

const missing = dosboxMissing ?? realMissing(chromiumNeeds)
const real = missing === undefined ? test.serial : test.skip

interface PageState { node: number[] | null, protocol: string | null, pingsAnswered: number, replies: string[], closed: number | null }

real(`(a) a browser page on the WebSocket side answers a real DOSBox 0.74 IPXNET PING on the UDP side of the same node${missing !== undefined ? ` (skipped: ${missing})` : ''}`, async t => {
  t.timeout(90_000)
  if (!requireReal(t, chromiumNeeds) || DOSBOX === undefined) {
    if (DOSBOX === undefined) t.fail('CI is set but this test needs the `dosbox` command')
    return
  }
  const origin = await servePage(t, IPX_PAGE)
  const port = await freePort('127.0.0.1')
  const node = await startNode(validateConfig({
    name: 'WS-REAL', listen: `127.0.0.1:${port}`, snpListen: `127.0.0.1:${await freePort('127.0.0.1')}`, timers: {},
    ws: { listen: '127.0.0.1:0', room: 'lab', origins: [origin] }
  }))
  t.teardown(async () => { await node.stop() })
  const wsPort = node.ws!.server.address()!.port
  const page = await openPage(t, origin)
  const nodeHex = await page.evaluate(async (url) => await (globalThis as unknown as { ipxConnect: (u: string) => Promise<string> }).ipxConnect(url), `ws://127.0.0.1:${wsPort}/ipx/lab`)
  const state = async (): Promise<PageState> => await page.evaluate(() => (globalThis as unknown as { ipx: PageState }).ipx)
  t.is((await state()).protocol, 'binary')
  const browserPort = parseInt(nodeHex.slice(8), 16)
  t.is(nodeHex.slice(0, 8), '7f000001', 'the browser\'s node is its IPv4 address...')
  t.is(node.ws!.server.stats().clients[0]?.node, parseInt(nodeHex, 16), '...and TCP port, as the node registered it')

  const ping = await dosboxPingOnce(t, port)
  t.true(ping.includes(`Response from 127.0.0.1, port ${browserPort} `), `DOSBox printed the browser's port ${browserPort}`)
  t.is((await state()).pingsAnswered, 1, 'the page answered one ping')
  const s = node.stats()
  t.is(s.counters.ws?.received, s.counters.ws?.delivered, JSON.stringify(s.counters.ws?.dropped))
  t.is(node.dosbox.counters.totalDropped(), 0)
  t.is(node.router.counters.totalDropped(), 0, JSON.stringify(node.router.counters.dropped))
})

real(`(b) a browser page on node A pings; a real DOSBox 0.74 client of node B answers across the native tunnel${missing !== undefined ? ` (skipped: ${missing})` : ''}`, async t => {
  t.timeout(90_000)
  if (!requireReal(t, chromiumNeeds) || DOSBOX === undefined) {
    if (DOSBOX === undefined) t.fail('CI is set but this test needs the `dosbox` command')
    return
  }
  const origin = await servePage(t, IPX_PAGE)
  const aWs = await freePort('127.0.0.1')
  const { a, b, bPort } = await twoNodes(t, { extra: { timers: {}, ws: { listen: `127.0.0.1:${aWs}`, origins: [origin] } }, extraB: { ws: undefined } })
  const { dir, cDir } = dosboxDir(t)
  writeFileSync(path.join(dir, 'B.conf'), conf(cDir, [`ipxnet connect 127.0.0.2 ${bPort} > c:\\B.TXT`]))
  startDosbox(t, dir, 'B')
  t.true(await until(() => b.dosbox.clients().length >= 1, 20_000), 'B\'s DOSBox registered with node B')
  const bClient = b.dosbox.clients()[0]!
  const page = await openPage(t, origin)
  await page.evaluate(async (url) => await (globalThis as unknown as { ipxConnect: (u: string) => Promise<string> }).ipxConnect(url), `ws://127.0.0.1:${aWs}/ipx/any`)
  const expected = (bClient.node).toString(16).padStart(12, '0')
  let replies: string[] = []
  // DOSBox answers from its 1 ms timer tick; ping until it has (bounded).
  for (let i = 0; i < 20 && !replies.includes(expected); i++) {
    await page.evaluate(() => { (globalThis as unknown as { ipxPing: () => void }).ipxPing() })
    await until(() => false, 250)
    replies = (await page.evaluate(() => (globalThis as unknown as { ipx: PageState }).ipx)).replies
  }
  t.log(`replies from ${replies.join(', ')}; B's client is ${bClient.ipv4}:${bClient.port}`)
  t.true(replies.includes(expected), 'the DOSBox client on node B answered the browser on node A')
  t.true((a.peers()[0]?.link.stats.dataSent ?? 0) >= 1, 'the ping crossed the native link')
  t.is(a.router.counters.totalDropped(), 0, JSON.stringify(a.router.counters.dropped))
  t.is(b.dosbox.counters.totalDropped(), 0)
})
