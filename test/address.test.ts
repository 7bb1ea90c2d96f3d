import test from 'ava'
import { formatHostPort, isLoopback, parseHostPort, parseAddress } from '../src/address.js'
import { ConfigError } from '../src/errors.js'

const listen = { allowNames: false, defaultPort: 2644 }
const peer = { allowNames: true, defaultPort: 2644 }

test('a listening address: IPs, [v6], bare IP or port, localhost, port 0; never a name', t => {
  t.deepEqual(parseHostPort('127.0.0.2:2650', listen), { host: '127.0.0.2', port: 2650 })
  t.deepEqual(parseHostPort('[::1]:0', listen), { host: '::1', port: 0 })
  t.deepEqual(parseHostPort('::1', listen), { host: '::1', port: 2644 })
  t.deepEqual(parseHostPort('2645', listen), { host: '0.0.0.0', port: 2645 })
  t.deepEqual(parseHostPort('localhost:9', listen), { host: '127.0.0.1', port: 9 })
  t.regex(parseHostPort('node-a:2644', listen) as string, /is not an IP address$/)
})

test('a peer: names allowed, port 0 and bare ports not', t => {
  t.deepEqual(parseHostPort('node-b:2644', peer), { host: 'node-b', port: 2644 })
  t.deepEqual(parseHostPort('node-b', peer), { host: 'node-b', port: 2644 })
  t.regex(parseHostPort('10.0.0.1:0', peer) as string, /bad port "0" \(1\.\.65535\)/)
  t.deepEqual(parseHostPort('fe80::1:2644', peer), { host: 'fe80::1:2644', port: 2644 }, 'a whole IPv6 address, default port')
  t.regex(parseHostPort('node:b:2644', peer) as string, /brackets/)
  t.regex(parseHostPort('no_such host', peer) as string, /is not an IP address or host name/)
})

test('parseAddress reports in one ConfigError naming the field', t => {
  const err = t.throws(() => parseAddress('1.2.3.4:99999', 'to', peer), { instanceOf: ConfigError })
  t.is(err?.field, 'to')
  t.regex(err?.message ?? '', /^to: must be ADDR:PORT: bad port "99999"/)
})

test('isLoopback: 127/8, ::1, mapped 127/8 and localhost; nothing else', t => {
  for (const h of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', 'localhost']) t.true(isLoopback(h), h)
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::ffff:10.0.0.1', 'example.com']) t.false(isLoopback(h), h)
})

test('formatHostPort: IPv6 hosts in brackets, others as they are (RFC 3986 §3.2.2)', t => {
  t.is(formatHostPort('127.0.0.1', 2644), '127.0.0.1:2644')
  t.is(formatHostPort('::1', 2629), '[::1]:2629')
  t.is(formatHostPort('node-a', 2644), 'node-a:2644')
})
