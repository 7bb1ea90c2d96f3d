/**
 * A browser page that is an IPX node over the js-dos relay protocol, in the page's own
 * `WebSocket`: it connects to `/ipx/<room>` with the subprotocol `binary`, sends DOSBox's 30-byte
 * registration, learns its node from the ack, answers DOSBox `IPXNET PING` broadcasts exactly as
 * a DOSBox client does ([074] ipx.cpp:566-599: a 30-byte unicast on socket 2 back to the pinger),
 * and can send a ping itself. Its state is `window.ipx` for the test to read.
 */
export const IPX_PAGE = `<!doctype html>
<meta charset="utf-8"><title>ipxlab browser IPX node</title>
<script>
const hdr = (dstNode, srcNode) => {
  const b = new Uint8Array(30)
  const v = new DataView(b.buffer)
  v.setUint16(0, 0xffff); v.setUint16(2, 30); b[4] = 0; b[5] = 0
  b.set(dstNode, 10); v.setUint16(16, 2)
  b.set(srcNode, 22); v.setUint16(28, 2)
  return b
}
const hex = a => Array.from(a, x => x.toString(16).padStart(2, '0')).join('')
window.ipx = { node: null, protocol: null, pingsAnswered: 0, replies: [], received: 0, closed: null, error: null }
window.ipxConnect = (url) => new Promise((resolve, reject) => {
  const ws = new WebSocket(url, ['binary'])
  ws.binaryType = 'arraybuffer'
  window.ipxSocket = ws
  ws.onerror = () => { window.ipx.error = 'error'; reject(new Error('WebSocket error')) }
  ws.onclose = e => { window.ipx.closed = e.code }
  ws.onopen = () => {
    window.ipx.protocol = ws.protocol
    ws.send(hdr(new Uint8Array(6), new Uint8Array(6)))
  }
  ws.onmessage = e => {
    const d = new Uint8Array(e.data)
    window.ipx.received++
    if (d.length < 30) return
    const dst = d.subarray(10, 16)
    const src = d.subarray(22, 28)
    const socket = (d[16] << 8) | d[17]
    if (window.ipx.node === null) {
      // The registration ack: dst socket 2, dst node ours. A client joins its room on connect, not
      // on registering (ws-relay.ts), so the room's broadcasts (the node's own SAP and RIP) may
      // come first: those are not the ack.
      if (socket !== 2 || dst.every(x => x === 0xff)) return
      window.ipx.node = Array.from(dst)
      resolve(hex(dst))
      return
    }
    if (socket !== 2) return
    if (dst.every(x => x === 0xff)) {
      // A DOSBox IPXNET PING from another node: answer it.
      ws.send(hdr(src, new Uint8Array(window.ipx.node)))
      window.ipx.pingsAnswered++
    } else if (hex(dst) === hex(window.ipx.node)) {
      window.ipx.replies.push(hex(src))
    }
  }
})
window.ipxPing = () => { window.ipxSocket.send(hdr(new Uint8Array(6).fill(0xff), new Uint8Array(window.ipx.node))) }
</script>
<p>ipxlab</p>
`
