/** Novell ping (socket 0x9086): the 10-byte header and echoed data. */
import { ping } from './deps.js'
import { rest } from './walker.js'
import type { Meanings , Walker} from './walker.js'

const PING_MEANINGS: Meanings = {
  signature: v => v === ping.PING_SIGNATURE ? '"Ping"' : 'not "Ping": malformed',
  version: v => `version ${v}`,
  type: v => v === ping.PingType.Request ? 'request' : v === ping.PingType.Reply ? 'reply' : 'unknown type',
  pingId: v => `ping ${v}; the reply echoes it`,
  result: v => `result ${v}`,
  reserved: () => 'reserved'
}

export function walkPing (w: Walker, at: number, end: number): void {
  if (!w.fields('ping', ping.PING_HEADER, at, end, PING_MEANINGS)) return
  rest(w, 'ping', at + ping.PING_HEADER_LENGTH, end, 'data', 'padding data, echoed by the reply')
}
