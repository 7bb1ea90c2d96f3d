/**
 * `/metrics` of a live node with traffic, checked by the real Prometheus linter (`promtool check
 * metrics`, Debian `prometheus`): quantiles only on summaries, counters named `_total`, HELP and
 * TYPE for every family; and the Grafana dashboard of docs/ asks only for series the node serves.
 * A missing promtool skips here and fails under CI.
 */
import test from 'ava'
import http from 'node:http'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { ROOT, requireReal } from '../_env.js'
import { until } from '../transport/_dosbox-client.js'
import { client, twoNodes } from './_two-nodes.js'

async function get (host: string, port: number, path: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    http.get({ host, port, path, agent: false, timeout: 5000 }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve(Buffer.concat(chunks).toString('utf8')) })
    }).on('error', reject)
  })
}

/** Runs `promtool check metrics` with `text` on stdin; its exit status and everything it printed. */
async function promtool (text: string): Promise<{ code: number | null, output: string }> {
  return await new Promise((resolve, reject) => {
    const p = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    p.stdout.on('data', (c: Buffer) => out.push(c))
    p.stderr.on('data', (c: Buffer) => out.push(c))
    p.on('error', reject)
    p.on('close', code => { resolve({ code, output: Buffer.concat(out).toString('utf8') }) })
    p.stdin.end(text)
  })
}

test('promtool check metrics accepts /metrics of a node with clients, a link, SNP reports and queued traffic', async t => {
  if (!requireReal(t, { tools: ['promtool'] })) return
  const { a, b, aPort, bPort } = await twoNodes(t, {
    runtime: { snp: { probeIntervalMs: 50, reportIntervalMs: 100 }, qos: { discipline: 'snp', rateBps: 1_000_000, wan: { delayMs: 5 } } }
  })
  const x = await client(t, aPort, '127.0.0.1')
  const y = await client(t, bPort, '127.0.0.2')
  for (let i = 0; i < 20; i++) await x.sendTo(y.node, Buffer.alloc(500, i))
  t.true(await until(() => Object.values(a.snp.stats().peers[0]!.peerMeasured).some(c => c.packets >= 20), 5000), 'B reported A\'s traffic')
  const text = await get('127.0.0.1', a.api!.port, '/metrics')
  // The families the old gauges got wrong are there, in their new shape.
  t.regex(text, /^# TYPE ipxlab_class_queue_delay_seconds summary$/m)
  t.regex(text, /^ipxlab_class_queue_delay_seconds\{peer="127\.0\.0\.2:\d+",class="default",quantile="0\.99"\} [0-9.e-]+$/m)
  t.regex(text, /^ipxlab_class_queue_delay_seconds_count\{peer="127\.0\.0\.2:\d+",class="default"\} 2\d$/m)
  t.regex(text, /^ipxlab_class_queue_delay_seconds_sum\{peer="127\.0\.0\.2:\d+",class="default"\} [0-9.e-]+$/m)
  t.regex(text, /^ipxlab_class_peer_delay_p99_seconds\{peer="127\.0\.0\.2:\d+",class="default"\} [0-9.e-]+$/m)
  t.notRegex(text, /^ipxlab_(?!class_queue_delay_seconds\{)[a-z_]+\{[^}]*quantile=/m, 'quantile labels only on the summary')
  const r = await promtool(text)
  t.is(r.output.trim(), '', 'no problems reported')
  t.is(r.code, 0)
  // The Grafana dashboard in docs/ asks only for series a node serves.
  const grafana = JSON.parse(readFileSync(path.join(ROOT, 'docs', 'grafana-dashboard.json'), 'utf8')) as { panels: Array<{ title: string, targets: Array<{ expr: string }> }> }
  // A family is served when /metrics declares it (a counter that is still 0 has no sample yet).
  const served = new Set([...text.matchAll(/^(?:# TYPE )?(ipxlab_[a-z0-9_]+)[{ ]/gm)].map(m => m[1]!))
  const asked = grafana.panels.flatMap(p => p.targets.flatMap(x => [...x.expr.matchAll(/ipxlab_[a-z0-9_]+/g)].map(m => m[0])))
  t.true(asked.length >= 15)
  t.deepEqual(asked.filter(n => !served.has(n)), [], 'every series the Grafana dashboard queries is on /metrics')
  const textB = await get('127.0.0.2', b.api!.port, '/metrics')
  const rb = await promtool(textB)
  t.is(rb.output.trim(), '')
  t.is(rb.code, 0)
})

test('promtool check metrics fails a gauge that carries a quantile label (the test can see what it checks)', async t => {
  if (!requireReal(t, { tools: ['promtool'] })) return
  const r = await promtool('# HELP x_seconds a delay\n# TYPE x_seconds gauge\nx_seconds{quantile="0.5"} 1\n')
  t.not(r.code, 0)
  t.regex(r.output, /quantile/)
})
