/**
 * Issue 16 on real DOSBox 0.74: DOSBox clients across an internetwork that `ipxlab lab --topology`
 * runs (src/cli/lab-topology.ts), each node on its own loopback address.
 *
 *  - Route mode, the classroom topology (docs/topologies/classroom.json): a DOSBox client of GAMES
 *    pings a DOSBox client of REMOTE, several routers away. DOSBox's own `IPXNET PING` cannot cross
 *    a router (it broadcasts on network 0, and its responder answers to network 0: [074] ipx.cpp
 *    pingSend, pingAck), so the two run small real-mode IPX programs, assembled here with NASM from
 *    test/dos/: IPXECHO.COM on REMOTE answers to the request's source network, node and
 *    socket; IPXPING.COM on GAMES sends to REMOTE's client and prints each answer with the
 *    transport control each way (one per router crossed).
 *  - Bridge mode, a chain A–B–C (bridgeRelay, as a bridge topology's nodes run): `IPXNET PING` on a
 *    client of A is answered by the clients of B and C, C's through B.
 *
 * Needs dosbox and nasm: absent, the tests skip with the reason; under CI they fail.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ROOT, haveTool, realMissing } from '../_env.js'
import { DOSBOX, conf, dosboxDir, dosFile, exited, startDosbox } from '../_dosbox.js'
import { captureIo } from '../_cli.js'
import { until } from '../transport/_dosbox-client.js'
import { freePort } from './_two-nodes.js'
import { runTopologyLab } from '../../src/cli/lab-topology.js'
import type { IpxNode } from '../../src/node/node.js'

const TOOLS = ['dosbox', 'nasm']
const missing = realMissing({ tools: TOOLS })
const note = missing === undefined ? '' : ` (${missing})`
const DOS_SOURCES = path.join(ROOT, 'test', 'dos')

/** True when the tools are there; under CI their absence fails the test. */
function ready (t: ExecutionContext): boolean {
  for (const tool of TOOLS) {
    if (!haveTool(tool)) {
      t.fail(`CI is set but this test needs the \`${tool}\` command`)
      return false
    }
  }
  return DOSBOX !== undefined
}

/** `nasm -f bin` of test/dos/NAME.asm into cDir/NAME.COM; returns its bytes. */
function assemble (t: ExecutionContext, cDir: string, name: string): Buffer {
  const out = path.join(cDir, `${name.toUpperCase()}.COM`)
  const r = spawnSync('nasm', ['-f', 'bin', '-I', `${DOS_SOURCES}/`, '-o', out, path.join(DOS_SOURCES, `${name}.asm`)], { encoding: 'utf8', timeout: 30_000 })
  t.is(r.status, 0, `nasm ${name}.asm: ${r.stderr}`)
  return readFileSync(out)
}

/** Runs a topology file as `ipxlab lab --topology` does, nodes on 127.0.<subnet>.x; stopped in teardown. */
async function runLab (t: ExecutionContext, file: string, subnet: number): Promise<{ nodes: readonly IpxNode[], host: (i: number) => string, port: number }> {
  const host = (i: number): string => `127.0.${subnet}.${i + 1}`
  const port = await freePort(host(0))
  const snpPort = await freePort(host(0))
  const abort = new AbortController()
  const { io, text } = captureIo()
  let running: (nodes: readonly IpxNode[]) => void = () => {}
  const up = new Promise<readonly IpxNode[]>(resolve => { running = resolve })
  const done = runTopologyLab({ file, subnet, port, snpPort, signal: abort.signal, onRunning: nodes => { running(nodes) } }, io)
  t.teardown(async () => {
    abort.abort()
    await done.catch(() => {})
  })
  const nodes = await Promise.race([up, done.then(() => { throw new Error(`the lab ended early: ${text().stdout}${text().stderr}`) })])
  t.log(text().stdout.trim())
  t.regex(text().stdout, /every link is up/)
  return { nodes, host, port }
}

/** A node's route to `network`, hops (16 when it has none). */
function hops (n: IpxNode, network: number): number {
  return n.router.route(network)?.hops ?? 16
}

(missing === undefined ? test : test.skip)(`real DOSBox 0.74 in route mode: a client of GAMES pings a client of REMOTE across the classroom internetwork, one transport-control step per router each way${note}`, async t => {
  t.timeout(120_000)
  if (!ready(t)) return
  const { nodes, host, port } = await runLab(t, path.join(ROOT, 'docs', 'topologies', 'classroom.json'), 62)
  const byName = new Map(nodes.map(n => [n.config.name, n]))
  const games = byName.get('GAMES')!
  const remote = byName.get('REMOTE')!
  const gamesAt = nodes.indexOf(games)
  const remoteAt = nodes.indexOf(remote)
  t.true(await until(() => hops(games, remote.config.network) < 16 && hops(remote, games.config.network) < 16, 20_000), 'GAMES and REMOTE have routes to each other')
  const routeHops = hops(games, remote.config.network)
  t.true(routeHops >= 3, `REMOTE is at least three routers from GAMES (CORE, BRANCH, REMOTE): ${routeHops} hops`)

  const { dir, cDir } = dosboxDir(t)
  assemble(t, cDir, 'ipxecho')
  const ping = assemble(t, cDir, 'ipxping')

  // The responder joins REMOTE and runs IPXECHO until the test ends.
  writeFileSync(path.join(dir, 'R.conf'), conf(cDir, [`ipxnet connect ${host(remoteAt)} ${port} > c:\\R.TXT`, 'IPXECHO > c:\\ECHO.TXT']))
  startDosbox(t, dir, 'R')
  t.true(await until(() => remote.dosbox.clients().length >= 1, 30_000), 'the DOSBox client registered with REMOTE')
  const echo = remote.dosbox.clients()[0]!

  // IPXPING, told where the responder is: REMOTE's network, the client's node (its IPv4 and UDP
  // port, as REMOTE gave it), socket 4444, written at the bytes after 'TARGET>'.
  const at = ping.indexOf('TARGET>') + 'TARGET>'.length
  t.true(at > 'TARGET>'.length, 'IPXPING.COM has its target marker')
  ping.writeUInt32BE(remote.config.network, at)
  ping.writeUIntBE(echo.node, at + 4, 6)
  ping.writeUInt16BE(0x4444, at + 10)
  writeFileSync(path.join(cDir, 'IPXPING.COM'), ping)
  t.true(await until(() => /connected to server/i.test(dosFile(cDir, 'R.TXT')), 30_000), 'the responder connected')
  // IPXECHO's 'READY!' broadcast, once its socket is open, is the client's second datagram (after its registration).
  t.true(await until(() => (remote.dosbox.clients()[0]?.packets ?? 0) >= 2, 30_000), 'IPXECHO has its socket open')

  writeFileSync(path.join(dir, 'G.conf'), conf(cDir, [`ipxnet connect ${host(gamesAt)} ${port} > c:\\G.TXT`, 'IPXPING > c:\\PING.TXT', 'exit']))
  const pinger = startDosbox(t, dir, 'G')
  t.not(await exited(pinger, 60_000), 'timeout', 'the pinger exited by itself')
  const out = dosFile(cDir, 'PING.TXT').replaceAll('\r', '').trim()
  t.log(out)
  t.regex(dosFile(cDir, 'G.TXT'), /connected to server/i)
  const node = echo.node.toString(16).padStart(12, '0').toUpperCase()
  const net = remote.config.network.toString(16).padStart(8, '0').toUpperCase()
  // Transport control counts every router crossed, the last one included: routeHops + 1.
  const tc = (routeHops + 1).toString(16).padStart(2, '0').toUpperCase()
  const replies = [...out.matchAll(/^reply (\d) from ([0-9A-F]{8}):([0-9A-F]{12}):4444 routers there ([0-9A-F]{2}) back ([0-9A-F]{2})$/gm)]
  t.is(replies.length, 3, `every ping answered:\n${out}`)
  for (const r of replies) {
    t.is(`${r[2]!}:${r[3]!}`, `${net}:${node}`, 'the answer came from REMOTE\'s client, its network filled in by REMOTE')
    t.is(r[4], tc, `the request crossed ${routeHops + 1} routers`)
    t.is(r[5], tc, `the answer crossed ${routeHops + 1} routers back`)
  }
  t.regex(out, /IPXPING: done/)
  t.true((byName.get('CORE')?.router.stats.forwarded ?? 0) >= 2, 'CORE relayed between its peers')
  for (const n of nodes) t.is(n.router.counters.totalDropped(), 0, `${n.config.name}: nothing dropped in the router`)
})

;(missing === undefined ? test : test.skip)(`real DOSBox 0.74 in bridge mode: IPXNET PING on a client of A, at the end of a chain A–B–C, is answered by the clients of B and C${note}`, async t => {
  t.timeout(120_000)
  if (!ready(t)) return
  const { dir, cDir } = dosboxDir(t)
  const file = path.join(dir, 'chain.json')
  writeFileSync(file, JSON.stringify({
    mode: 'bridge',
    network: '0000B0B0',
    nodes: [{ name: 'A' }, { name: 'B' }, { name: 'C' }],
    links: [{ between: ['A', 'B'] }, { between: ['B', 'C'] }]
  }))
  const { nodes, host, port } = await runLab(t, file, 63)
  const [a, b, c] = nodes as [IpxNode, IpxNode, IpxNode]
  t.true(a.config.bridgeRelay && b.config.bridgeRelay, 'a bridge topology\'s nodes relay between their peers')

  for (const [name, i] of [['B', 1], ['C', 2]] as const) {
    writeFileSync(path.join(dir, `${name}.conf`), conf(cDir, [`ipxnet connect ${host(i)} ${port} > c:\\${name}.TXT`]))
    startDosbox(t, dir, name)
  }
  t.true(await until(() => b.dosbox.clients().length >= 1 && c.dosbox.clients().length >= 1, 30_000), 'clients of B and C registered')
  t.true(await until(() => /connected to server/i.test(dosFile(cDir, 'B.TXT')) && /connected to server/i.test(dosFile(cDir, 'C.TXT')), 30_000), 'both at the prompt')
  const bClient = b.dosbox.clients()[0]!
  const cClient = c.dosbox.clients()[0]!

  writeFileSync(path.join(dir, 'A.conf'), conf(cDir, [`ipxnet connect ${host(0)} ${port} > c:\\A.TXT`, 'ipxnet ping >> c:\\APING.TXT', 'exit']))
  const pinger = startDosbox(t, dir, 'A')
  t.not(await exited(pinger, 60_000), 'timeout', 'the pinger exited by itself')
  const out = dosFile(cDir, 'APING.TXT')
  t.log(out.replaceAll('\r', '').trim())
  t.regex(dosFile(cDir, 'A.TXT'), /connected to server/i)
  t.true(out.includes(`Response from ${cClient.ipv4}, port ${cClient.port} `), `C's client (${cClient.ipv4}:${cClient.port}), two bridges away, answered`)
  t.true(out.includes(`Response from ${bClient.ipv4}, port ${bClient.port} `), `B's client (${bClient.ipv4}:${bClient.port}) answered`)
  t.is(a.dosbox.clients().length, 1, 'A has only its own client')
  const bToC = b.peers().find(p => p.address === `${host(2)}:${port}`)
  t.true((bToC?.link.stats.dataSent ?? 0) >= 1, 'B relayed A\'s ping on to C')
  for (const n of nodes) t.is(n.router.counters.totalDropped(), 0, `${n.config.name}: nothing dropped in the router`)
})
