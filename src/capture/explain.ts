/**
 * `explain`: one captured frame as an annotated hex dump for a learner. The dissection itself —
 * every byte of the frame in exactly one labelled range (layer, field, Wireshark name, offset,
 * size, value, meaning), padding, slack and trailers included, and the upper-layer dispatch in
 * Wireshark's order — is `protocol/dissect` (one dissector per protocol), the same one `decode
 * --json`, `lint` and display filters read. This module adds the capture record's facts and the
 * extra sections, and renders: text (coloured on a TTY) or markdown.
 *
 * Pure apart from rendering helpers: no I/O here; `src/cli/explain.ts` reads the capture.
 */
import { dissect, hex } from '../../protocol/index.js'
import type { link } from '../../protocol/index.js'
import type { FrameResult } from './frames.js'
import { formatTimestamp } from './frames.js'
import { dissectInput } from './view.js'

export { dissectFrame } from './view.js'

/** The layer a byte range belongs to (protocol/dissect). */
export type ExplainLayer = dissect.LayerId
/** A decode error as the explanation shows it; `offset` is absolute in the frame. */
export type ExplainError = dissect.DissectError
/** One labelled byte range of the frame. */
export type ByteRange = dissect.ByteRange
/** How the upper-layer protocol was chosen. */
export type ExplainDispatch = dissect.DissectDispatch
export const LAYER_TITLES = dissect.LAYER_TITLES
export const fieldLabel = dissect.fieldLabel
export const explainDispatch = dissect.explainDispatch

/**
 * An extra annotation section: a title and lines. The seam for later explainers (the QoS stage's
 * "which class rule matched"); each provider sees the decoded frame and may return a section.
 */
export interface ExplainSection {
  title: string
  lines: readonly string[]
}

/** What a section provider receives. */
export interface ExplainContext {
  /** 1-based frame number. */
  frame: number
  /** The located IPX packet, when the frame decoded that far. */
  located?: link.LocatedIpx
  /** The whole explanation built so far (ranges, dispatch, error). */
  explanation: Explanation
}

/** Returns an extra section for a frame, or undefined to add nothing. */
export type ExplainSectionProvider = (context: ExplainContext) => ExplainSection | undefined

/** Options of {@link explainFrame}. */
export interface ExplainOptions {
  /** Extra annotation sections, appended after the byte ranges (QoS "which class rule matched", ...). */
  sections?: readonly ExplainSectionProvider[]
}

/** The explanation of one frame. */
export interface Explanation {
  /** 1-based, like tshark's frame.number. */
  frame: number
  linkType: number
  capturedLength: number
  originalLength: number
  /** ISO time with nanoseconds. */
  time: string
  /** A copy of the captured bytes. */
  data: Buffer
  /** `malformed` when any layer failed to decode (link, IPX or the upper protocol). */
  status: 'ok' | 'malformed'
  /** The layers found, outermost first: `Ethernet 802.3 → LLC → IPX → IPX SAP`. */
  path: string
  /** The upper-layer dispatch, when the IPX header decoded. */
  dispatch?: ExplainDispatch
  /** The decode error, when there was one. */
  error?: ExplainError
  /** Bytes of the frame that the capture did not keep (snaplen); 0 normally. */
  snapped: number
  /** Contiguous, ordered, covering every captured byte exactly once. */
  ranges: ByteRange[]
  /** Extra annotation sections. */
  sections: ExplainSection[]
}


function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/**
 * Explains one frame. `result` is what `locateRecord` / `readFrames` gave for it: an IPX frame, a
 * malformed one (explained up to the layer that failed), or a not-IPX one (a single range).
 * Never throws for bad bytes.
 */
export function explainFrame (result: FrameResult, options: ExplainOptions = {}): Explanation {
  const record = result.record
  const data = Buffer.from(record.data)
  const located: link.LocatedIpx | undefined = result.kind === 'ipx' ? result.located : undefined
  const d = dissect.dissect({ ...dissectInput(result), data })
  const x: Explanation = {
    frame: record.index + 1,
    linkType: record.linkType,
    capturedLength: record.capturedLength,
    originalLength: record.originalLength,
    time: formatTimestamp(record.timestampNs),
    data,
    status: d.status,
    path: d.path,
    ...(d.dispatch !== undefined ? { dispatch: d.dispatch } : {}),
    ...(d.error !== undefined ? { error: d.error } : {}),
    snapped: result.kind === 'ipx' ? result.snapped : 0,
    ranges: d.ranges,
    sections: []
  }
  for (const provide of options.sections ?? []) {
    const s = provide({ frame: x.frame, ...(located !== undefined ? { located } : {}), explanation: x })
    if (s !== undefined) x.sections.push(s)
  }
  return x
}

// ---------------------------------------------------------------------------------------------
// Rendering.

/** SGR colour per layer: link layers blue/cyan, IP magenta, IPX yellow, upper layers green. */
const LAYER_COLOURS: Readonly<Record<ExplainLayer, string>> = {
  link: '34', ethernet: '34', llc: '36', snap: '36', ipv4: '35', udp: '35', ipx: '33',
  spx: '32', ncp: '32', sap: '32', rip: '32', netbios: '32', diag: '32', ping: '32', data: '32',
  filler: '90', undecoded: '31'
}

/** Options of {@link renderText}. */
export interface RenderTextOptions {
  /** ANSI colours per layer. The CLI sets it only for a TTY with NO_COLOR unset. */
  color?: boolean
  /** Shown in the first line, e.g. the capture's file name. */
  source?: string
}

/** Consecutive ranges of the same layer. */
export function groupByLayer (ranges: readonly ByteRange[]): Array<{ layer: ExplainLayer, ranges: ByteRange[] }> {
  const groups: Array<{ layer: ExplainLayer, ranges: ByteRange[] }> = []
  for (const r of ranges) {
    const last = groups.at(-1)
    if (last !== undefined && last.layer === r.layer) last.ranges.push(r)
    else groups.push({ layer: r.layer, ranges: [r] })
  }
  return groups
}

function errorText (e: ExplainError): string {
  return `${e.code} at offset ${e.offset} (${e.protocol}): ${e.reason}`
}

function headerLines (x: Explanation, source: string | undefined): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['frame', `${x.frame}${source !== undefined ? ` of ${source}` : ''}`],
    ['captured', `${x.capturedLength} bytes (${x.originalLength} on the wire${x.snapped > 0 ? `; ${x.snapped} not captured, cut by the snapshot length` : ''}), link type ${x.linkType}, ${x.time}`],
    ['layers', x.path]
  ]
  if (x.dispatch !== undefined) rows.push(['dispatch', x.dispatch.text])
  rows.push(['status', x.error !== undefined ? `malformed: ${errorText(x.error)}` : 'decodes cleanly'])
  return rows
}

const BYTES_PER_ROW = 16

/** The explanation as an annotated hex dump, one line per field, grouped by layer. */
export function renderText (x: Explanation, options: RenderTextOptions = {}): string {
  const colour = options.color === true
  const paint = (code: string, s: string): string => colour ? `\u001b[${code}m${s}\u001b[0m` : s
  const out: string[] = []
  for (const [k, v] of headerLines(x, options.source)) out.push(`${(k + ':').padEnd(10)}${v}`)
  for (const g of groupByLayer(x.ranges)) {
    const first = g.ranges[0]!
    const last = g.ranges.at(-1)!
    const size = last.offset + last.size - first.offset
    const c = LAYER_COLOURS[g.layer]
    out.push('')
    out.push(paint(`1;${c}`, `── ${LAYER_TITLES[g.layer]} ── offset ${first.offset}, ${plural(size, 'byte')}`))
    for (const r of g.ranges) {
      const text = `${r.label}${r.value !== '' ? ` ${r.value}` : ''}: ${r.meaning}`
      const ws = r.wireshark !== undefined ? paint('2', `  [${r.wireshark}]`) : ''
      for (let row = 0; row * BYTES_PER_ROW < r.size; row++) {
        const at = r.offset + row * BYTES_PER_ROW
        const n = Math.min(BYTES_PER_ROW, r.size - row * BYTES_PER_ROW)
        const bytes = [...x.data.subarray(at, at + n)].map(b => hex(b, 2)).join(' ')
        const lead = `  ${String(at).padStart(5)}  ${paint(c, bytes)}${' '.repeat(3 * BYTES_PER_ROW - 1 - bytes.length)}  `
        out.push(row === 0 ? `${lead}${text}${ws}` : lead.trimEnd())
        const e = r.error
        if (e !== undefined && e.offset >= at && e.offset < at + n) {
          out.push(paint('1;31', `  ${' '.repeat(5)}  ${' '.repeat(3 * (e.offset - at))}^ ${errorText(e)}`))
        }
      }
      const e = r.error
      if (e !== undefined && !(e.offset >= r.offset && e.offset < r.offset + r.size)) {
        out.push(paint('1;31', `  ${' '.repeat(5)}  ✗ after the captured bytes: ${errorText(e)}`))
      }
    }
  }
  for (const s of x.sections) {
    out.push('', paint('1', `── ${s.title} ──`), ...s.lines.map(l => `  ${l}`))
  }
  return out.join('\n') + '\n'
}

function mdCell (s: string): string {
  return s.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

/** Bytes shown in one markdown cell before eliding; a worksheet row stays readable. */
const MARKDOWN_MAX_BYTES = 32

/** The explanation for worksheets: a header table, then one table per layer, then the extra sections. */
export function renderMarkdown (x: Explanation, options: { source?: string } = {}): string {
  const out: string[] = [`## Frame ${x.frame}${options.source !== undefined ? ` of \`${options.source}\`` : ''}`, '', '| | |', '|---|---|']
  for (const [k, v] of headerLines(x, undefined).slice(1)) out.push(`| ${k} | ${mdCell(v)} |`)
  for (const g of groupByLayer(x.ranges)) {
    out.push('', `### ${LAYER_TITLES[g.layer]}`, '', '| offset | size | bytes | field | Wireshark | value | meaning |', '|---:|---:|---|---|---|---|---|')
    for (const r of g.ranges) {
      const shown = Math.min(r.size, MARKDOWN_MAX_BYTES)
      const bytes = x.data.subarray(r.offset, r.offset + shown).toString('hex').replace(/(..)(?!$)/g, '$1 ') + (r.size > shown ? ' …' : '')
      const err = r.error !== undefined ? ` **✗ ${mdCell(errorText(r.error))}**` : ''
      out.push(`| ${r.offset} | ${r.size} | \`${bytes}\` | ${mdCell(r.label)} | ${r.wireshark !== undefined ? `\`${r.wireshark}\`` : '–'} | ${r.value !== '' ? `\`${mdCell(r.value)}\`` : '–'} | ${mdCell(r.meaning)}${err} |`)
    }
  }
  for (const s of x.sections) out.push('', `### ${s.title}`, '', ...s.lines.map(l => `- ${l}`))
  return out.join('\n') + '\n'
}
