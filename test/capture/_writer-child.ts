/**
 * Child process for the kill test: writes `count` frames to the pcapng file given in argv without
 * closing it, prints "written", then waits to be killed (at most 30 s, then exits by itself).
 */
import { CaptureWriter } from '../../src/capture/writer.js'

const [file = '', countText = '0'] = process.argv.slice(2)
const w = new CaptureWriter(file, { interfaces: [{ name: 'eth0', linkType: 1 }] })
for (let i = 0; i < Number(countText); i++) w.write({ data: Buffer.alloc(60, i), timestampNs: BigInt(i) * 1000n })
process.stdout.write('written\n')
setTimeout(() => process.exit(2), 30_000)
