/** RIP (`ipxrip.*`): the operation and 8-byte route entries. */
import { ipx, rip } from './deps.js'
import { rest, plural } from './walker.js'
import type { Meanings , Walker} from './walker.js'

const RIP_MEANINGS: Meanings = {
  operation: v => rip.ripOperationName(v),
  network: v => v === rip.RIP_ALL_NETWORKS ? 'all networks (in a request: send every route)' : `network ${ipx.formatNetwork(v)}`,
  hops: v => v >= rip.RIP_HOPS_UNREACHABLE ? `${v} = unreachable (16 is infinity)` : `${plural(v, 'hop')} away`,
  ticks: v => `${plural(v, 'tick')} = ${rip.ticksToMs(v)} ms (a tick is 1/18 s)`
}

export function walkRip (w: Walker, at: number, end: number): void {
  if (!w.fields('rip', rip.RIP_HEADER, at, end, RIP_MEANINGS)) return
  let e = at + rip.RIP_HEADER_LENGTH
  for (let i = 0; e + rip.RIP_ENTRY_LENGTH <= end; i++, e += rip.RIP_ENTRY_LENGTH) {
    w.fields('rip', rip.RIP_ENTRY, e, end, RIP_MEANINGS, `entries[${i}].`, `route ${i + 1} `)
  }
  rest(w, 'rip', e, end, 'partialEntry', `${end - e} bytes: not a whole 8-byte entry`)
}

