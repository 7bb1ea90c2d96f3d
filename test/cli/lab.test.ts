import test from 'ava'
import { PassThrough } from 'node:stream'
import { runLab } from '../../src/cli/lab.js'
import { freePort } from '../node/_two-nodes.js'

async function run (o: Parameters<typeof runLab>[0]): Promise<{ code: number, stdout: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: Buffer[] = []
  stdout.on('data', (c: Buffer) => out.push(c))
  stderr.resume()
  const code = await runLab(o, { stdout, stderr })
  return { code, stdout: Buffer.concat(out).toString() }
}

test('ipxlab lab: two nodes, the bundled capture replayed into A arrives whole at B\'s listener, with a summary', async t => {
  t.timeout(60_000)
  // Both nodes take this port on their own address (127.0.0.1 and 127.0.0.2).
  const port = await freePort('127.0.0.2')
  const snpPort = await freePort('127.0.0.2')
  const r = await run({ json: false, loop: 2, speed: 4, port, snpPort })
  t.is(r.code, 0, r.stdout)
  t.regex(r.stdout, new RegExp(`node A on 127\\.0\\.0\\.1:${port}, node B on 127\\.0\\.0\\.2:${port}, native tunnel with SNP QoS`))
  t.regex(r.stdout, /^replayed 30 frames of .*lab-sample\.pcapng \(2 passes\) into node A as a DOSBox client$/m)
  t.regex(r.stdout, /^listener on node B received 30 of them/m)
  t.regex(r.stdout, /^link A->B: \d+ data frames received by B, 0 lost/m)
  t.regex(r.stdout, /^ {2}network_control +\d+ packets/m, 'the QoS stage classified the traffic')
  t.regex(r.stdout, /^NODE-A: \d+ frames routed, drops: none$/m)
  t.regex(r.stdout, /^NODE-B: \d+ frames routed, drops: none$/m)
})

test('ipxlab lab: an unknown scenario is a usage error', async t => {
  await t.throwsAsync(run({ json: false, scenario: 'nope' }), { code: 'IPX_ERR_CONFIG' })
})
