import test from 'ava'
import { packet as ipxPacket } from '../../../protocol/ipx/index.js'
import * as diag from '../../../protocol/diag.js'
import { Router } from '../../../src/node/router.js'
import { DiagService } from '../../../src/node/services/diag.js'
import { BCAST, collector, datagram } from '../_lab.js'

const NA = 0xa
const A = 0x02000000000a
const X = 0x7f0000010001

function setup (): { r: Router, sent: Buffer[], s: DiagService } {
  const r = new Router({ mode: 'bridge', network: NA, node: A })
  const local = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  const s = new DiagService(r)
  r.bind(0x0456, s)
  return { r, sent: local.sent, s }
}

function request (exclusions: number[], dstNode = BCAST): Buffer {
  return datagram({ dst: [0, dstNode, 0x0456], src: [0, X, 0x4005] }, diag.encode({ kind: 'request', exclusions }))
}

const cases: Array<[string, number[], number, boolean]> = [
  ['broadcast request, no exclusions', [], BCAST, true],
  ['unicast request', [], A, true],
  ['exclusion list without this node', [X, 0x1234], BCAST, true],
  ['exclusion list with this node', [X, A], BCAST, false]
]
for (const [title, exclusions, dst, answers] of cases) {
  test(`diagnostics: ${title} → ${answers ? 'configuration response' : 'silence'}`, t => {
    const { r, sent, s } = setup()
    t.is(r.forward(request(exclusions, dst), 'local', 0), undefined)
    if (!answers) {
      t.is(sent.length, 0)
      t.is(s.stats.excluded, 1)
      return
    }
    t.is(sent.length, 1)
    const p = ipxPacket.decode(sent[0]!)
    t.deepEqual(p.header.dst, { network: 0, node: X, socket: 0x4005 })
    t.deepEqual(p.header.src, { network: NA, node: A, socket: 0x0456 })
    const resp = diag.decodeResponse(p.payload)
    t.like(resp, { kind: 'response', majorVersion: 1, minorVersion: 0, spxDiagnosticSocket: 0, componentCount: 1 })
    t.deepEqual(resp.components, Buffer.from([diag.DiagComponent.IpxSpx]))
  })
}

test('diagnostics: options set the response; a malformed request is ignored', t => {
  const r = new Router({ mode: 'bridge', network: NA, node: A })
  const local = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  const s = new DiagService(r, { majorVersion: 1, minorVersion: 1, spxDiagnosticSocket: 0x4444, components: [0, 1, 2] })
  r.bind(0x0456, s)
  r.forward(request([]), 'local', 0)
  t.like(diag.decodeResponse(ipxPacket.decode(local.sent[0]!).payload), { minorVersion: 1, spxDiagnosticSocket: 0x4444, componentCount: 3 })
  r.forward(datagram({ dst: [0, BCAST, 0x0456], src: [0, X, 0x4005] }, Buffer.from([81])), 'local', 0)
  t.is(local.sent.length, 1)
  t.is(s.stats.ignored, 1)
})
