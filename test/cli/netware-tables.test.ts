/**
 * The NetWare console layout of a node's tables (src/cli/netware-tables.ts): DISPLAY NETWORKS as
 * `NNNNNNNN hops/ticks` several to a line with a count, unreachable routes counted apart; DISPLAY
 * SERVERS as name and hops, the node's own at 0, 16-hop entries not listed.
 */
import test from 'ava'
import { displayNetworks, displayServers, portLabel } from '../../src/cli/netware-tables.js'

const routes = [
  { network: '0000C002', hops: 1, ticks: 1, port: 'peer:udp:127.0.0.2:2644' },
  { network: '0000C001', hops: 0, ticks: 0, port: 'local' },
  { network: '0000C005', hops: 16, ticks: 3, port: 'peer:udp:127.0.0.4:2644' },
  { network: '0000C003', hops: 2, ticks: 2, port: 'peer:udp:127.0.0.2:2644' },
  { network: '0000C004', hops: 1, ticks: 1, port: 'peer:udp:127.0.0.4:2644' }
]

test('DISPLAY NETWORKS: network hops/ticks in number order, at most 80 columns, a count that leaves out the unreachable', t => {
  const lines = displayNetworks(routes)
  t.deepEqual(lines.slice(0, 2).map(l => l.split(/ {2,}/).filter(x => x !== '')), [['0000C001 0/0', '0000C002 1/1', '0000C003 2/2', '0000C004 1/1'], ['0000C005 16/3']])
  t.true(lines.every(l => l.length <= 80))
  t.is(lines[2], '  There are 4 known networks (and 1 unreachable at 16 hops, not used)')
  t.is(displayNetworks([routes[1]!]).at(-1), '  There is 1 known network')
})

test('DISPLAY NETWORKS with next hops: each route\'s port named, unreachable ones said so', t => {
  const names = new Map([['peer:udp:127.0.0.2:2644', 'CORE']])
  const lines = displayNetworks(routes, { via: (p) => portLabel(p, names) }).join('\n')
  t.regex(lines, /0000C001 via this node/)
  t.regex(lines, /0000C002 via CORE/)
  t.regex(lines, /0000C004 via 127\.0\.0\.4:2644/, 'an unnamed peer by its address')
  t.regex(lines, /0000C005 unreachable/)
})

test('DISPLAY SERVERS: name and hops by name, the node\'s own at 0, a 16-hop entry not listed', t => {
  const lines = displayServers([{ name: 'REMOTE', type: 4, hops: 16 }, { name: 'HQ', type: 4, hops: 0 }, { name: 'BRANCH', type: 4, hops: 1 }, { name: 'HQ', type: 7, hops: 0 }])
  t.deepEqual([...lines[0]!.matchAll(/([A-Z]+) +(\d+)/g)].map(m => `${m[1]!} ${m[2]!}`), ['BRANCH 1', 'HQ 0', 'HQ 0'], 'a server once per service it advertises')
  t.is(lines.at(-1), '  There are 3 known servers')
  t.is(displayServers([]).join('\n'), '  There are 0 known servers')
})
