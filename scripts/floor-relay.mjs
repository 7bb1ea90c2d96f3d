/**
 * The floor of any DOSBox relay written for Node: the fewest steps that still serve the load
 * generator (scripts/ipxnet-load.c), on one dgram socket, run by `npm run bench:peers` as the
 * `floor` server beside ipxlab and ipxbox. What a Node relay cannot go below in latency or memory
 * shows here: ipxlab / floor is what ipxlab's own code costs, floor / ipxbox what Node's runtime
 * costs (V8's heap and code, libuv's per-datagram receive and dgram's per-send work).
 *
 * Plain JavaScript on purpose: it runs with no loader (tsx would add its own memory to the RSS it
 * measures), with the node flags of ipxlab's interpreter line, so the two differ only in code.
 *
 *   node [flags] scripts/floor-relay.mjs PORT
 *
 * It does what the DOSBox protocol needs and nothing else (../shared/tools/dosbox/README.md Part 1):
 * a registration (dst socket 2, dst node 0) gets the 30-byte ack naming the client's ip:port node;
 * a broadcast (dst node bytes 10-13 FF) goes to every other registered client; a unicast goes to
 * the client whose ip:port is the dst node. No check, no counter, no expiry: not a server to run,
 * only a measuring stick. Loopback only; it ends on SIGTERM or SIGINT.
 */
import dgram from 'node:dgram'

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('usage: floor-relay.mjs PORT\n')
  process.exit(2)
}

/** IP literals only: answer in the same call, as ipxlab's endpoint does (no per-send nextTick). */
const literal = (address, _family, callback) => { callback(null, address, 4) }
const socket = dgram.createSocket({ type: 'udp4', lookup: literal })

/** node (ipv4 * 65536 + port) -> client; and the same clients in an array for broadcasts. */
const byNode = new Map()
const clients = []

function ipv4 (address) {
  const p = address.split('.')
  return ((+p[0] * 256 + +p[1]) * 256 + +p[2]) * 256 + +p[3]
}

socket.on('message', (d, rinfo) => {
  if (d.length < 30) return
  const sender = ipv4(rinfo.address) * 0x10000 + rinfo.port
  if (d.readUInt16BE(16) === 2 && d.readUInt32BE(10) === 0 && d.readUInt16BE(14) === 0) {
    if (!byNode.has(sender)) {
      const c = { node: sender, port: rinfo.port, address: rinfo.address }
      byNode.set(sender, c)
      clients.push(c)
    }
    const ack = Buffer.alloc(30)
    ack.writeUInt16BE(0xffff, 0)
    ack.writeUInt16BE(30, 2)
    ack.writeUIntBE(sender, 10, 6)
    ack.writeUInt16BE(2, 16)
    ack.writeUInt32BE(1, 18)
    ack.writeUIntBE(port, 22, 6)
    ack.writeUInt16BE(2, 28)
    socket.send(ack, rinfo.port, rinfo.address)
    return
  }
  if (d.readUInt32BE(10) === 0xffffffff) {
    for (let i = 0; i < clients.length; i++) {
      const c = clients[i]
      if (c.node !== sender) socket.send(d, c.port, c.address)
    }
    return
  }
  const target = byNode.get(d.readUIntBE(10, 6))
  if (target !== undefined) socket.send(d, target.port, target.address)
})

socket.bind(port, '127.0.0.1', () => {
  socket.setRecvBufferSize(4 * 1024 * 1024)
  socket.setSendBufferSize(4 * 1024 * 1024)
})
const stop = () => { socket.close() }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
