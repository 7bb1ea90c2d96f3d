/**
 * QoS on every node (issue 11): the `qos` settings from the config file (node-wide and per peer),
 * `IPXLAB_*` variables and flags through the one schema, their defaults, the errors (one field
 * each), and what a link's QoS stage runs for them.
 */
import test from 'ava'
import { mergeConfigSources, validateConfig } from '../../src/node/config.js'
import { linkQosOptions, describeQos } from '../../src/node/qos-options.js'
import { ConfigError } from '../../src/errors.js'
import { runCli } from '../_cli.js'

test('default: qos off (classify and count only), no emulated link, LFI auto', t => {
  const c = validateConfig({ peers: ['127.0.0.2:2644'] })
  t.like(c.qos, { mode: 'off', profile: null, rateBps: null, lfi: 'auto' })
  t.like(c.peers[0]!.qos, { mode: 'off', rateBps: null })
  t.like(linkQosOptions(c.qos), { discipline: 'none', qos: 'off' })
  t.regex(describeQos(c.qos), /^off \(classify and count only\), no emulated link$/)
})

test('a profile fills rate, delay and jitter; each flag overrides its value; the file, the environment and flags merge', t => {
  const c = mergeConfigSources({
    file: { qos: { discipline: 'fifo', wan: 'isdn-64k' } },
    env: { IPXLAB_QOS: 'snp', IPXLAB_DELAY_MS: '40', IPXLAB_SEED: '9' },
    flags: { qos: { rateBps: '100k', loss: '0.01' } }
  })
  t.deepEqual(c.qos, { mode: 'snp', profile: 'isdn-64k', rateBps: 100_000, delayMs: 40, jitterMs: 1, loss: 0.01, seed: 9, lfi: 'auto', fragmentMs: 10 })
  const o = linkQosOptions(c.qos)
  t.like(o, { discipline: 'snp', rateBps: 100_000, qos: 'snp', profile: 'isdn-64k', wan: { delayMs: 40, jitterMs: 1, loss: 0.01, seed: 9 } })
  t.true(o.lfi?.enabled, '1424 bytes at 100 kbit/s take 114 ms: auto turns LFI on')
  t.is(o.lfi?.chunkBytes, 128)
})

test('per peer: each link its own profile over the node-wide settings', t => {
  const c = validateConfig({
    qos: { discipline: 'snp', wan: 'modem-56k', lfi: 'off' },
    peers: ['127.0.0.2:2644', { address: '127.0.0.3:2644', qos: { wan: 't1' } }, { address: '127.0.0.4:2644', qos: { rateBps: 128000, lfi: 'on', fragmentBytes: 200 } }]
  })
  t.like(c.peers[0]!.qos, { mode: 'snp', profile: 'modem-56k', rateBps: 56_000, delayMs: 100, lfi: 'off' })
  t.like(c.peers[1]!.qos, { mode: 'snp', profile: 't1', rateBps: 1_536_000, delayMs: 10, jitterMs: 0.5 })
  t.like(c.peers[2]!.qos, { profile: 'modem-56k', rateBps: 128_000, delayMs: 100, lfi: 'on', fragmentBytes: 200 })
  t.like(linkQosOptions(c.peers[2]!.qos).lfi, { enabled: true, chunkBytes: 200 })
  t.false(linkQosOptions(c.peers[0]!.qos).lfi?.enabled)
})

test('what each --qos runs: off with a link is a plain FIFO, monitor one queue, fifo never fragments on auto', t => {
  const q = (o: Record<string, unknown>): ReturnType<typeof linkQosOptions> => linkQosOptions(validateConfig({ qos: o }).qos)
  t.like(q({ wan: 'modem-56k' }), { discipline: 'fifo', qos: 'off' })
  t.like(q({ discipline: 'monitor' }), { discipline: 'none', monitorOnly: true })
  t.like(q({ discipline: 'monitor', wan: 't1' }), { discipline: 'snp', monitorOnly: true })
  t.false(q({ discipline: 'fifo', wan: 'modem-56k' }).lfi?.enabled)
  t.true(q({ discipline: 'fifo', wan: 'modem-56k', lfi: 'on' }).lfi?.enabled)
  t.regex(describeQos(validateConfig({ qos: { discipline: 'snp', wan: 'modem-56k' } }).qos), /^snp on modem-56k \(56 kbit\/s, 100 ms ± 10 ms\), LFI on \(128-byte fragments, 19\.4 ms each; a full frame takes 203\.4 ms\)$/)
})

const rejects = test.macro({
  exec (t, raw: Record<string, unknown>, field: string, message: RegExp) {
    const err = t.throws(() => validateConfig(raw), { instanceOf: ConfigError })
    t.is(err?.field, field)
    t.regex(err?.message ?? '', message)
  },
  title: (given, _raw, field: string) => `bad qos: ${given ?? ''} names ${field}`
})

test('an unknown profile', rejects, { qos: { wan: 'modem-99k' } }, 'qos.wan', /era profile: modem-56k, isdn-64k/)
test('a negative rate', rejects, { qos: { rateBps: -5 } }, 'qos.rateBps', /above 0/)
test('a rate that is not a number', rejects, { qos: { rateBps: 'fast' } }, 'qos.rateBps', /bit\/s/)
test('a delay over a minute', rejects, { qos: { delayMs: 60_001 } }, 'qos.delayMs', /at most a minute/)
test('a loss above 1', rejects, { qos: { loss: 2 } }, 'qos.loss', /0\.\.1/)
test('a fragment size below the floor', rejects, { qos: { lfi: 'on', wan: 'modem-56k', fragmentBytes: 64 } }, 'qos.fragmentBytes', /at least 128/)
test('snp without a link', rejects, { qos: { discipline: 'snp' } }, 'qos.rateBps', /--wan|--rate/)
test('lfi on without a link', rejects, { qos: { lfi: 'on' } }, 'qos.lfi', /rate/)
test('an unknown qos key', rejects, { qos: { shaper: 1 } }, 'qos.shaper', /not a known setting/)
test('a peer\'s own bad profile', rejects, { peers: [{ address: '127.0.0.2:2644', qos: { wan: 'x25' } }] }, 'peers[0].qos.wan', /era profile/)

test('ipxlab node: bad QoS flags are one line naming the field, exit 2', async t => {
  for (const [args, field] of [
    [['--wan', 'modem-99k'], 'qos.wan'], [['--rate', '-5'], 'qos.rateBps'], [['--delay', '70000'], 'qos.delayMs'],
    [['--lfi', 'on', '--wan', 'modem-56k', '--fragment-bytes', '64'], 'qos.fragmentBytes'], [['--qos', 'cake'], 'qos.discipline']
  ] as const) {
    const r = await runCli(['node', '--listen', '127.0.0.1:0', '--snp', '127.0.0.1:0', ...args])
    t.is(r.code, 2, args.join(' '))
    t.is(r.stderr.trim().split('\n').length, 1, 'one line')
    t.true(r.stderr.startsWith(`ipxlab: ${field}: `), r.stderr)
    t.regex(r.stderr, /set by a command-line flag/)
  }
})

test('a bad IPXLAB_* value names the field and the variable', t => {
  const err = t.throws(() => mergeConfigSources({ env: { IPXLAB_WAN: 'modem-99k' } }), { instanceOf: ConfigError })
  t.is(err?.field, 'qos.wan')
  t.regex(err?.message ?? '', /set by IPXLAB_WAN/)
})
