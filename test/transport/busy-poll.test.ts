import test from 'ava'
import dgram from 'node:dgram'
import { BusyPoll, DEFAULT_BUSY_POLL_US, MISSES_BEFORE_REST, REST_DATAGRAMS } from '../../src/transport/busy-poll.js'
import { UdpEndpoint } from '../../src/transport/udp-endpoint.js'
import { mergeConfigSources } from '../../src/node/config.js'
import { ConfigError } from '../../src/errors.js'
import { until, sleep } from './_dosbox-client.js'

/** A clock that moves only when told. */
function clock (): { now: () => number, at: (ms: number) => void } {
  let t = 0
  return { now: () => t, at: (ms) => { t = ms } }
}

const turn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

test('a window of 0 never polls', async t => {
  const bp = new BusyPoll(0)
  bp.note()
  bp.note()
  t.false(bp.polling)
  await turn()
  t.deepEqual(bp.stats, { windows: 0, caught: 0, turns: 0, rested: 0 })
})

test('polling begins at a datagram, counts the ones read while it lasts, and ends a window after the last', async t => {
  const c = clock()
  const bp = new BusyPoll(500, c.now)
  t.teardown(() => { bp.stop() })
  t.is(bp.windowUs, 500)
  bp.note()
  t.true(bp.polling)
  t.is(bp.stats.windows, 1)
  // 0.3 ms later a second datagram: caught, and the window restarts from the turn that saw it.
  c.at(0.3)
  bp.note()
  t.is(bp.stats.caught, 1)
  await turn()
  await turn()
  t.true(bp.polling, 'still inside the window of the second datagram')
  c.at(0.79)
  await turn()
  t.true(bp.polling, '0.49 ms after the second datagram: still polling')
  c.at(0.81)
  await turn()
  await turn()
  t.false(bp.polling, '0.51 ms after the second datagram: asleep again')
  const turns = bp.stats.turns
  await turn()
  t.is(bp.stats.turns, turns, 'no turn runs once it sleeps')
  // The next datagram starts a new window.
  bp.note()
  t.is(bp.stats.windows, 2)
  bp.stop()
  await turn()
  await turn()
  t.false(bp.polling, 'stop ends polling at the next turn, window or not')
  bp.note()
  t.is(bp.stats.windows, 2, 'a stopped poller never polls again')
})

test('polling rests when windows catch nothing (paced traffic), and a window that catches ends the rest', async t => {
  const c = clock()
  const bp = new BusyPoll(100, c.now)
  t.teardown(() => { bp.stop() })
  let ms = 0
  /** One datagram alone, then time past its window: a window that reads nothing more. */
  const lone = async (): Promise<void> => {
    bp.note()
    ms += 5
    c.at(ms)
    await turn()
    await turn()
  }
  for (let i = 0; i < MISSES_BEFORE_REST; i++) await lone()
  t.is(bp.stats.windows, MISSES_BEFORE_REST)
  t.false(bp.polling)
  // The rest: that many datagrams start no window.
  for (let i = 0; i < REST_DATAGRAMS; i++) {
    bp.note()
    t.false(bp.polling)
  }
  t.is(bp.stats.rested, REST_DATAGRAMS)
  // Then one window tries again; it catches a second datagram, so polling is back for good.
  bp.note()
  t.true(bp.polling)
  bp.note()
  t.is(bp.stats.caught, 1)
  await turn()
  ms += 5
  c.at(ms)
  await turn()
  await turn()
  t.false(bp.polling)
  await lone()
  t.is(bp.stats.windows, MISSES_BEFORE_REST + 2, 'a single miss after a hit does not rest')
  bp.note()
  t.true(bp.polling, 'still polling')
  bp.stop()
  await turn()
})

test('on a real socket: a ping-pong is read while polling; with --busy-poll 0 nothing polls', async t => {
  const results: Record<string, ReturnType<UdpEndpoint['busyPoll']>> = {}
  for (const us of [2000, 0]) {
    const peer = dgram.createSocket('udp4')
    let echoes = 0
    const e: UdpEndpoint = new UdpEndpoint({ host: '127.0.0.1', port: 0, busyPollUs: us, onMessage: (d, r) => { e.send(d, r.port, r.address) } })
    const a = await e.start()
    await new Promise<void>(resolve => { peer.bind(0, '127.0.0.1', resolve) })
    // Each echo comes back well inside 2 ms on loopback, so the next ping arrives while polling.
    peer.on('message', (d: Buffer) => { if (++echoes < 50) peer.send(d, a.port, '127.0.0.1') })
    peer.send(Buffer.from('ping'), a.port, '127.0.0.1')
    t.true(await until(() => echoes >= 50, 5000), `${us} µs: 50 echoes`)
    await sleep(10)
    results[us] = e.busyPoll()
    await e.stop()
    peer.close()
  }
  const on = results[2000]!
  t.is(on.windowUs, 2000)
  t.true(on.windows >= 1)
  t.true(on.caught >= 25, `most pings read while polling (caught ${on.caught} of 50, ${on.windows} windows)`)
  t.true(on.turns > 0)
  t.deepEqual(results[0], { windowUs: 0, windows: 0, caught: 0, turns: 0, rested: 0 })
})

test('limits.busyPollUs: default, file, IPXLAB_BUSY_POLL_US, and a wrong value named', t => {
  t.is(DEFAULT_BUSY_POLL_US, 200)
  t.is(mergeConfigSources({}).limits.busyPollUs, undefined, 'absent: the endpoint default applies')
  t.is(mergeConfigSources({ file: { limits: { busyPollUs: 50 } } }).limits.busyPollUs, 50)
  t.is(mergeConfigSources({ env: { IPXLAB_BUSY_POLL_US: '0' } }).limits.busyPollUs, 0)
  const err = t.throws(() => mergeConfigSources({ env: { IPXLAB_BUSY_POLL_US: '-5' } }), { instanceOf: ConfigError })
  t.regex(err.message, /busyPollUs/)
})
