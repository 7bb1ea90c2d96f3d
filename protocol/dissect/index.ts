/**
 * `dissect(frame)`: one frame's dissection (types.ts), built by one dissector per protocol
 * (link.ts, ipx.ts, spx.ts, ncp.ts, sap.ts, rip.ts, netbios.ts, diag.ts, ping.ts) writing into one
 * walker. Structure decisions (which framing, where IPX starts) follow the codec: for a decodable
 * frame they are read from the located frame (`link.locate`); for a malformed one they are re-read
 * from the bytes with the same rules, and the walk stops after the layer where the codec failed,
 * the error's code and offset attached to the byte it points at. Never throws for bad bytes.
 */
import type { DecodeError } from '../errors.js'
import type { LocatedIpx } from '../link.js'
import { LAYER_TITLES } from './types.js'
import type { ByteRange, Dissection, DissectedLayer, LayerId } from './types.js'
import { Walker, toError } from './walker.js'
import { walkLink } from './link.js'

export * from './types.js'
export { fieldLabel } from './walker.js'
export { explainDispatch } from './ipx.js'
export { FILTER_VOCABULARY, fieldValues, fieldSource } from './fields.js'
export type { FrameFacts } from './fields.js'

/** What {@link dissect} needs of a frame. */
export interface DissectInput {
  /** The captured bytes. */
  data: Buffer
  linkType: number
  /** The located IPX packet, when the frame decoded. */
  located?: LocatedIpx
  /** The codec's error, when the frame is malformed. */
  error?: DecodeError
  /** Why the frame is not IPX, when it is not. */
  notIpx?: DecodeError
  /** Bytes the capture did not keep (snaplen). */
  snapped?: number
}

/** Layers that hold a protocol's fields (filler and undecoded bytes do not). */
function isProtocolLayer (layer: LayerId): boolean {
  return layer !== 'filler' && layer !== 'undecoded'
}

/** The ranges grouped into layers, each naming the next protocol layer. */
export function groupLayers (ranges: readonly ByteRange[]): DissectedLayer[] {
  const layers: DissectedLayer[] = []
  for (const r of ranges) {
    if (!isProtocolLayer(r.layer)) continue
    const last = layers.at(-1)
    if (last !== undefined && last.layer === r.layer) {
      last.fields.push(r)
      last.size = r.offset + r.size - last.offset
      continue
    }
    if (last !== undefined) last.next = r.layer
    layers.push({ layer: r.layer, title: LAYER_TITLES[r.layer], offset: r.offset, size: r.size, fields: [r] })
  }
  return layers
}

/** Dissects one frame. */
export function dissect (input: DissectInput): Dissection {
  const error = input.error !== undefined ? toError(input.error, 0) : undefined
  const w = new Walker(input.data, error, input.snapped ?? 0)
  if (input.notIpx !== undefined) {
    w.path.push('not IPX')
    w.add({ layer: 'undecoded', offset: 0, size: input.data.length, field: 'frame', label: 'frame', value: '', meaning: `not IPX: ${input.notIpx.reason}` })
  } else {
    walkLink(w, input.linkType, input.located)
  }
  w.finish()
  const e = w.error
  return {
    status: e !== undefined ? 'malformed' : 'ok',
    path: w.path.join(' → '),
    ...(w.dispatch !== undefined ? { dispatch: w.dispatch } : {}),
    ...(e !== undefined ? { error: e } : {}),
    ranges: w.ranges,
    layers: groupLayers(w.ranges)
  }
}

