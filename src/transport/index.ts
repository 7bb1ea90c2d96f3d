/** Sockets on 2644: the UDP endpoint, the DOSBox IPXNET server role, RFC 1234 peers, counters. */
export * from './counters.js'
export * from './udp-endpoint.js'
export * from './dosbox-server.js'
export * from './rfc1234.js'
export * from './serve.js'
export * from './native-link.js'
export * from './udp-tunnel.js'
export * from './tcp.js'
