/**
 * What the views (`decode`, `explain`, `lint`) share for each frame: its dissection
 * (protocol/dissect, one dissector per protocol), tshark's Protocol and Info columns, and the
 * display filter (`-Y`) that selects frames by Wireshark field names.
 */
import { dissect, filter } from '../../protocol/index.js'
import type { columns } from '../../protocol/index.js'
import type { FrameResult } from './frames.js'

/** The dissection input of a frame result. */
export function dissectInput (result: FrameResult): dissect.DissectInput {
  const data = result.record.data
  const linkType = result.record.linkType
  switch (result.kind) {
    case 'ipx': return { data, linkType, located: result.located, snapped: result.snapped }
    case 'malformed': return { data, linkType, error: result.error }
    case 'not_ipx': return { data, linkType, notIpx: result.reason }
  }
}

/** The dissection of a frame result. */
export function dissectFrame (result: FrameResult): dissect.Dissection {
  return dissect.dissect(dissectInput(result))
}

/** A compiled `-Y` filter. */
export interface DisplayFilter {
  text: string
  node: filter.FilterNode
}

/** Compiles a `-Y` expression. Throws `filter.FilterSyntaxError` (with the column) when it is not one. */
export function compileDisplayFilter (text: string): DisplayFilter {
  return { text, node: filter.parseFilter(text, dissect.FILTER_VOCABULARY) }
}

/** True when the frame passes the filter; the dissection is computed unless given. */
export function passes (f: DisplayFilter, result: FrameResult, cols: columns.Columns | undefined, d: dissect.Dissection = dissectFrame(result)): boolean {
  return filter.matches(f.node, dissect.fieldSource(d, {
    number: result.record.index + 1,
    length: result.record.originalLength,
    capturedLength: result.record.capturedLength,
    ...(cols !== undefined ? { columns: cols } : {})
  }))
}

/** The two lines a person reads for a bad `-Y`: the message with its column, the filter and a caret. */
export function filterErrorText (err: filter.FilterSyntaxError): string {
  return `ipxlab: -Y: ${err.reason} (column ${err.column})\n${filter.formatFilterError(err).split('\n').map(l => `  ${l}`).join('\n')}\n`
}
