/**
 * `npm run bench`: every benchmark of the project, each printed as ratios against a baseline run in
 * the same process. Bounded in time; nothing leaves loopback.
 */
import { headerPairs, runPairs, peekAllocationLine, sinkValue } from './bench-codec.js'
import type { Pair } from './bench-codec.js'

const extra: Pair[] = []
try {
  const frame = await import('./bench-frame.js') as { framePairs: () => Pair[] }
  extra.push(...frame.framePairs())
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err
}

console.log('# codec (ratio = ipxlab / hand-written, same process)')
for (const line of await runPairs([...headerPairs(), ...extra])) console.log(line)
console.log(await peekAllocationLine())
if (sinkValue() === 42) console.log('')
