/**
 * Issue 14's proof with the REAL js-dos player: the `emulators` package (js-dos's DOSBox compiled
 * to WebAssembly, GPL-2, a dev dependency for this test only), in REAL headless Chromium, joins an
 * ipxlab node with `networkConnect(NETWORK_DOSBOX_IPX, "ws://…/ipx/<room>")`, the call the js-dos
 * player makes for its IPX button, and answers a REAL DOSBox 0.74 client's `IPXNET PING` on the
 * node's UDP side. Version 8.3.9 because 8.4 moved js-dos networking to WebRTC (its CHANGELOG,
 * "a new browser networking layer powered by WebRTC-NET"): 8.3.9 is the last 8.x whose IPX goes
 * over the relay's WebSocket protocol.
 */
import test from 'ava'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { startNode } from '../../src/node/node.js'
import { validateConfig } from '../../src/node/config.js'
import { DOSBOX, dosboxMissing, dosboxPingOnce } from '../_dosbox.js'
import { realMissing, requireReal } from '../_env.js'
import { chromiumNeeds, openPage, servePage } from '../_chromium.js'
import { until } from '../transport/_dosbox-client.js'
import { freePort } from './_two-nodes.js'

const missing = dosboxMissing ?? realMissing(chromiumNeeds)

/** The page: emulators.js, a minimal dosbox.conf with IPX on, then the IPX connect of js-dos. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>js-dos on ipxlab</title>
<script src="/emulators.js"></script>
<script>
window.jsdos = { stdout: '', connected: false }
window.startJsdos = async (url) => {
  emulators.pathPrefix = '/'
  const dosboxConf = '[cpu]\\ncycles=fixed 3000\\n[ipx]\\nipx=true\\n[autoexec]\\necho js-dos is up\\n'
  const ci = await emulators.dosboxDirect([{ dosboxConf, jsdosConf: { version: emulators.version } }])
  ci.events().onStdout(s => { window.jsdos.stdout += s })
  await ci.networkConnect(0, url)
  window.jsdos.connected = true
}
</script>`

;(missing === undefined ? test : test.skip)(`the real js-dos player (emulators 8.3.9) in headless Chromium answers a real DOSBox 0.74 IPXNET PING through ipxlab${missing !== undefined ? ` (skipped: ${missing})` : ''}`, async t => {
  t.timeout(120_000)
  if (!requireReal(t, chromiumNeeds) || DOSBOX === undefined) {
    if (DOSBOX === undefined) t.fail('CI is set but this test needs the `dosbox` command')
    return
  }
  const dist = path.dirname(createRequire(import.meta.url).resolve('emulators'))
  const files = Object.fromEntries(['emulators.js', 'wdosbox.js', 'wdosbox.wasm'].map(f => [`/${f}`, { type: f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', body: readFileSync(path.join(dist, f)) }]))
  const origin = await servePage(t, PAGE, files)
  const port = await freePort('127.0.0.1')
  const node = await startNode(validateConfig({
    name: 'JSDOS', listen: `127.0.0.1:${port}`, snpListen: `127.0.0.1:${await freePort('127.0.0.1')}`, timers: {},
    ws: { listen: '127.0.0.1:0', room: 'lab', origins: [origin] }
  }))
  t.teardown(async () => { await node.stop() })
  const wsPort = node.ws!.server.address()!.port
  const page = await openPage(t, origin)
  await page.evaluate(async (url) => { await (globalThis as unknown as { startJsdos: (u: string) => Promise<void> }).startJsdos(url) }, `ws://127.0.0.1:${wsPort}/ipx/lab`)
  t.true(await until(() => node.ws!.server.stats().clients.some(c => c.registered), 20_000), 'js-dos registered with the node over WebSocket')
  const jsdos = node.ws!.server.stats().clients[0]!
  const jsdosPort = jsdos.node % 0x10000

  const ping = await dosboxPingOnce(t, port)
  t.true(ping.includes(`Response from 127.0.0.1, port ${jsdosPort} `), `DOSBox printed js-dos's port ${jsdosPort}`)
  const s = node.ws!.server.stats()
  t.is(s.counters.received, s.counters.delivered, JSON.stringify(s.counters.dropped))
  t.true(s.counters.received >= 2, 'js-dos sent its registration and its ping answer')
})
