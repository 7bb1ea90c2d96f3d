/**
 * Two-node benchmark (issue 5): frames per second and p50/p99 latency from a DOSBox-protocol client
 * on node A (127.0.0.1) to one on node B (127.0.0.2), through A's DOSBox server and router, the
 * native link, and B's router and DOSBox server, beside bare Node dgram relays run in the same
 * process: the one-relay baseline of the tunnel benchmark, and a two-relay chain with as many UDP
 * hops as the node path (client → A → B → client). Prints ratios.
 *
 *   node --import tsx scripts/bench-node.ts [--count 50000] [--samples 2000] [--size 60] [--rounds 5]
 */
import { startNode } from '../src/node/node.js'
import { validateConfig, IN_PROCESS_RECEIVE_BUFFER } from '../src/node/config.js'
import { COUNT, SAMPLES, SIZE, ROUNDS, WINDOW, bind, nodeOf, ipx, until, measure, fmt, median } from './_bench-udp.js'
import type { Result } from './_bench-udp.js'

async function bareChain (relays: number): Promise<Result> {
  const rx = await bind()
  const tx = await bind()
  const hops = await Promise.all(Array.from({ length: relays }, async () => await bind()))
  hops.forEach((h, i) => {
    const next = i + 1 < hops.length ? hops[i + 1]!.address().port : rx.address().port
    h.on('message', d => { h.send(d, next, '127.0.0.1') })
  })
  try {
    return await measure(tx, rx, hops[0]!.address().port, ipx(nodeOf(rx), nodeOf(tx), SIZE))
  } finally {
    for (const s of [rx, tx, ...hops]) s.close()
  }
}

async function twoNodes (): Promise<Result> {
  // Fixed high ports on two loopback addresses; the peers must know each other's.
  const aPort = 20000 + Math.floor(Math.random() * 20000)
  const bPort = aPort + 1
  // The load generator shares this process's event loop with both nodes, and sends windows of
  // 1000: the nodes keep the in-process receive buffer (4 MiB), as the lab's do.
  const limits = { receiveBufferBytes: IN_PROCESS_RECEIVE_BUFFER }
  const a = await startNode(validateConfig({ name: 'BENCH-A', listen: `127.0.0.1:${aPort}`, snpListen: '127.0.0.1:0', peers: [`127.0.0.2:${bPort}`], limits }))
  const b = await startNode(validateConfig({ name: 'BENCH-B', listen: `127.0.0.2:${bPort}`, snpListen: '127.0.0.2:0', peers: [`127.0.0.1:${aPort}`], limits }))
  const rx = await bind()
  const tx = await bind()
  try {
    await until(() => a.peers()[0]?.link.up === true && b.peers()[0]?.link.up === true, 'link up')
    const reg = ipx(0, 0, 30)
    reg[5] = 0
    reg.writeUInt16BE(2, 16)
    reg.writeUInt16BE(2, 28)
    tx.send(reg, aPort, '127.0.0.1')
    rx.send(reg, bPort, '127.0.0.2')
    await until(() => a.dosbox.clients().length === 1 && b.dosbox.clients().length === 1, 'registration')
    rx.removeAllListeners('message')
    tx.removeAllListeners('message')
    // B learns rx's node on its local port when rx speaks; A learns it from B's flood of that broadcast.
    const hello = ipx(0xffffffffffff, nodeOf(rx), 30)
    rx.send(hello, bPort, '127.0.0.2')
    await until(() => a.router.learnedPort(nodeOf(rx), performance.now()) !== undefined, 'learning')
    const r = await measure(tx, rx, aPort, ipx(nodeOf(rx), nodeOf(tx), SIZE), '127.0.0.1')
    for (const n of [a, b]) {
      if (n.router.counters.totalDropped() !== 0 || n.dosbox.counters.totalDropped() !== 0) {
        throw new Error(`${n.config.name} dropped: ${JSON.stringify(n.stats().counters)}`)
      }
    }
    return r
  } finally {
    rx.close()
    tx.close()
    await a.stop()
    await b.stop()
  }
}

const one: Result[] = []
const two: Result[] = []
const nodes: Result[] = []
for (let round = 0; round < ROUNDS; round++) {
  one.push(await bareChain(1))
  two.push(await bareChain(2))
  nodes.push(await twoNodes())
}
const b1 = median(one)
const b2 = median(two)
const n = median(nodes)
console.log(`bench-node: ${COUNT} datagrams of ${SIZE} bytes (windows of ${WINDOW}), ${SAMPLES} latency samples, median of ${ROUNDS} alternating rounds, loopback, node ${process.version}`)
console.log(`bare relay      ${fmt(b1)}`)
console.log(`bare 2 relays   ${fmt(b2)}`)
console.log(`A -> link -> B  ${fmt(n)}`)
console.log(`nodes/bare relay    rate ${(n.pps / b1.pps).toFixed(2)}  p50 ${(n.p50 / b1.p50).toFixed(2)}  p99 ${(n.p99 / b1.p99).toFixed(2)}`)
console.log(`nodes/bare 2 relays rate ${(n.pps / b2.pps).toFixed(2)}  p50 ${(n.p50 / b2.p50).toFixed(2)}  p99 ${(n.p99 / b2.p99).toFixed(2)}`)
