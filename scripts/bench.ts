/**
 * `npm run bench`: every benchmark of the project, each printed as ratios against a baseline run in
 * the same process. Bounded in time; nothing leaves loopback. The socket benchmarks run as child
 * processes one after another, so they neither share an event loop with the codec runs nor overlap.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { headerPairs, framePairs, upperPairs, runPairs, peekAllocationLine, sinkValue } from './bench-codec.js'

console.log('# codec (ratio = ipxlab / hand-written, same process)')
for (const line of await runPairs([...headerPairs(), ...framePairs(), ...upperPairs()])) console.log(line)
console.log(await peekAllocationLine())
if (sinkValue() === 42) console.log('')

for (const entry of [
  ['DOSBox relay on UDP 2644 (ratio = ipxlab / bare Node dgram relay, same run)', 'bench-relay.ts'],
  ['native node link over UDP (ratio = ipxlab / bare Node dgram relay, same run)', 'bench-native.ts'],
  ['two nodes: DOSBox client on A to a client on B (ratio = ipxlab / bare relays, same run)', 'bench-node.ts'],
  ['QoS scenario on modem-56k and the 1 Mbit/s lab link: FIFO, SNP, SNP + LFI (ratio = SNP / the discipline, same run)', 'bench-lfi.ts'],
  ['WebSocket (js-dos) relay beside the UDP DOSBox relay (ratio = WebSocket / UDP, same run)', 'bench-ws.ts'],
  ['internetwork of 50 routers in one process: memory, RIP/SAP updates, a cut, 10 hops beside 1 hop (ratio = 10 hops / 1 hop, same run)', 'bench-internetwork.ts'],
  ['DOSBox broadcast fan-out, allocation and time per recipient (ratio = ipxlab endpoint / bare dgram, same run)', 'bench-fanout.ts', '--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64']
] as const) {
  const [title, script, ...flags] = entry
  const file = fileURLToPath(new URL(script, import.meta.url))
  if (!existsSync(file)) continue
  console.log(`\n# ${title}`)
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', file], { stdio: 'inherit', timeout: 180_000 })
  if (r.status !== 0) {
    console.error(`${script} failed (${r.status ?? r.signal ?? 'unknown'})`)
    process.exitCode = 1
  }
}
