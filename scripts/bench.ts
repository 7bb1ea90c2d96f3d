/**
 * `npm run bench`: every benchmark of the project, each printed as ratios against a baseline run in
 * the same process. Bounded in time; nothing leaves loopback.
 */
import { headerPairs, framePairs, runPairs, peekAllocationLine, sinkValue } from './bench-codec.js'

console.log('# codec (ratio = ipxlab / hand-written, same process)')
for (const line of await runPairs([...headerPairs(), ...framePairs()])) console.log(line)
console.log(await peekAllocationLine())
if (sinkValue() === 42) console.log('')
