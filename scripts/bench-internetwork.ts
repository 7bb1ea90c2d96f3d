/**
 * Internetwork scale benchmark (issue 16, part 4): a generated topology of 50 routers (a 10-hop
 * spine, a detour beside each spine link, meshed branches; scripts/_internetwork.ts) in this
 * process on 127.0.60.x, RIP and SAP running on every node. Prints memory per node, RIP/SAP
 * datagrams per second at steady state, convergence after a cut of the middle spine link, and
 * frames per second from a DOSBox client across 10 hops beside 1 hop in the same run (the ratio).
 *
 *   node --import tsx scripts/bench-internetwork.ts [--nodes 50] [--spine 10] [--interval 1000]
 *     [--frames 5000] [--samples 200] [--rounds 3] [--steady 5000]
 */
import { runInternetworkBench, tickCost } from './_internetwork.js'
import { arg } from './_bench-udp.js'

const o = {
  nodes: Math.min(arg('nodes', 50), 250),
  spine: Math.min(arg('spine', 10), 14),
  intervalMs: Math.max(100, arg('interval', 1000)),
  frames: Math.min(arg('frames', 5000), 200_000),
  window: 250,
  samples: Math.min(arg('samples', 200), 10_000),
  stallMs: 500,
  rounds: Math.min(arg('rounds', 3), 15),
  steadyMs: Math.min(arg('steady', 5000), 60_000),
  subnet: 60,
  limitMs: 60_000,
  progress: (line: string) => { process.stderr.write(`  ${line}\n`) }
}
const r = await runInternetworkBench(o)
const tc = tickCost(r.nodes, 100_000)
const kib = (b: number): string => `${(b / 1024).toFixed(0)} KiB`
const f = r.frames
console.log(`bench-internetwork: ${r.nodes} routers, ${r.links} links, one process, loopback, RIP/SAP interval ${r.intervalMs} ms, node ${process.version}`)
console.log(`memory per node     heap ${kib(r.memory.heapPerNodeBytes)}  rss ${kib(r.memory.rssPerNodeBytes)}${r.memory.gc ? '' : '  (no GC forced)'}`)
console.log(`start               every link up ${r.startMs.toFixed(0)} ms; RIP converged ${r.convergeMs.toFixed(0)} ms later, SAP ${r.sapConvergeMs.toFixed(0)} ms`)
console.log(`routing updates     ${r.updates.sentPerS.toFixed(0)}/s sent (RIP ${r.updates.ripSentPerS.toFixed(0)}, SAP ${r.updates.sapSentPerS.toFixed(0)}), ${r.updates.receivedPerS.toFixed(0)}/s received, event loop ${(100 * r.updates.eventLoop).toFixed(1)} % busy (${(r.updates.windowMs / 1000).toFixed(1)} s)`)
console.log(`cut ${r.cut.link.join('-').padEnd(15)} every table re-converged in ${r.cut.convergeMs.toFixed(0)} ms (${r.cut.routesMoved} routes moved, ${r.cut.updatesSent} RIP/SAP datagrams sent meanwhile)`)
console.log(`tick, nothing due   ${tc.tickNs.toFixed(0)} ns for ${tc.routes} routes + ${tc.servers} servers; one bare pass ${tc.passNs.toFixed(0)} ns; ratio ${(tc.tickNs / tc.passNs).toFixed(2)}`)
console.log(`1 hop   S0->S1      rate ${f.oneHop.pps.toFixed(0)} pps  p50 ${f.oneHop.p50Us.toFixed(0)} µs  lost ${f.oneHop.lost}`)
console.log(`${String(f.hops).padEnd(2)} hops S0->S${f.hops}     rate ${f.long.pps.toFixed(0)} pps  p50 ${f.long.p50Us.toFixed(0)} µs  lost ${f.long.lost}`)
console.log(`${f.hops} hops/1 hop rate ${(f.long.pps / f.oneHop.pps).toFixed(2)}  p50 ${(f.long.p50Us / f.oneHop.p50Us).toFixed(2)}   router drops before the cut ${r.routerDrops}`)
