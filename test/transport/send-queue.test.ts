/**
 * The bounded send side of the data-plane socket (issue 18), on a real path where sends meet a
 * full kernel send buffer: two network namespaces joined by a veth pair, a 10 Mbit/s token bucket
 * (tbf) on the sending end, the DOSBox server's socket with the smallest send buffer Linux grants.
 * A fan-out of broadcasts to 40 clients then queues in libuv; with the bound, the queue never
 * holds more than `maxSendQueue` datagrams and every send beyond it is counted `queue_full`; the
 * control run without a bound shows the backlog the bound prevents. Needs root (namespaces) and
 * iproute2 (`ip`, `tc`): absent locally, skipped with the reason; under CI, a failure.
 *
 * Every run removes its namespaces (the veth pair goes with them), whether it passes or fails.
 */
import test from 'ava'
import { execFileSync, spawnSync } from 'node:child_process'
import path from 'node:path'
import { ROOT, haveTool } from '../_env.js'

const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
const isRoot = process.getuid?.() === 0
const missing = [
  isRoot || inCi ? undefined : 'needs root for network namespaces',
  (haveTool('ip') && haveTool('tc')) || inCi ? undefined : 'needs ip and tc (iproute2)'
].filter(m => m !== undefined).join('; ')
const nsTest = missing === '' ? test : test.skip
const note = missing === '' ? '' : ` (${missing})`

const CHILD = path.join(ROOT, 'test', 'transport', '_send-queue-child.ts')

interface ChildResult {
  attempts: number
  stats: { sent: number, errors: number, queueFull: number }
  peak: number
  drained: number
  counters: { received: number, delivered: number }
}

function ip (...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 })
}

/** Two namespaces, A (192.0.2.1, the sender, tbf on its veth end) and B (192.0.2.2). */
function namespaces (tag: string): { a: string, b: string, remove: () => void } {
  const a = `ipxlab-sq-a-${tag}`
  const b = `ipxlab-sq-b-${tag}`
  const remove = (): void => {
    for (const ns of [a, b]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 10_000 })
  }
  try {
    ip('netns', 'add', a)
    ip('netns', 'add', b)
    ip('link', 'add', `sqa${tag}`, 'type', 'veth', 'peer', 'name', `sqb${tag}`, 'netns', b)
    ip('link', 'set', `sqa${tag}`, 'netns', a)
    ip('-n', a, 'addr', 'add', '192.0.2.1/24', 'dev', `sqa${tag}`)
    ip('-n', b, 'addr', 'add', '192.0.2.2/24', 'dev', `sqb${tag}`)
    ip('-n', a, 'link', 'set', `sqa${tag}`, 'up')
    ip('-n', b, 'link', 'set', `sqb${tag}`, 'up')
    execFileSync('ip', ['netns', 'exec', a, 'tc', 'qdisc', 'add', 'dev', `sqa${tag}`, 'root', 'tbf', 'rate', '10mbit', 'burst', '4kb', 'limit', '2mb'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 })
  } catch (err) {
    remove()
    throw err
  }
  return { a, b, remove }
}

function runChild (ns: string, maxSendQueue: number): ChildResult {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', CHILD, '192.0.2.1', '192.0.2.2', String(maxSendQueue)], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  const line = r.stdout.trim().split('\n').pop() ?? ''
  if (r.status !== 0 || line === '') throw new Error(`child failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr}`)
  return JSON.parse(line) as ChildResult
}

nsTest(`send queue: a fan-out into a full kernel send buffer queues at most maxSendQueue datagrams in libuv and counts the rest queue_full; without the bound a backlog builds${note}`, t => {
  t.timeout(120_000)
  if (!isRoot) return void t.fail('CI is set but this test needs root (network namespaces)')
  if (!haveTool('ip') || !haveTool('tc')) return void t.fail('CI is set but this test needs ip and tc (iproute2)')
  const ns = namespaces(`${process.pid % 100000}`)
  t.teardown(ns.remove)
  const bounded = runChild(ns.a, 16)
  const unbounded = runChild(ns.a, 100_000)
  t.log(`bounded: ${JSON.stringify(bounded.stats)}, queue peak ${bounded.peak}; unbounded: ${JSON.stringify(unbounded.stats)}, queue peak ${unbounded.peak}`)
  // Every datagram the server relayed was either handed to the socket or counted.
  for (const r of [bounded, unbounded]) {
    t.is(r.stats.sent + r.stats.queueFull + r.stats.errors, r.attempts)
    t.is(r.counters.received, 50)
    t.is(r.counters.delivered, 50, 'the server\'s own counters are unchanged by the bound')
    t.is(r.drained, 0, 'libuv drained its queue')
  }
  t.true(bounded.peak <= 16, `queue peak ${bounded.peak} within the bound`)
  t.true(bounded.stats.queueFull > 0, 'sends beyond the bound were dropped and counted')
  t.is(unbounded.stats.queueFull, 0)
  t.true(unbounded.peak > 100, `without the bound libuv held ${unbounded.peak} datagrams (the backlog the bound prevents)`)
})
