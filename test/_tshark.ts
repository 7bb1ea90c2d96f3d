/** tshark's reference outputs, read the one way every test reads them. */
import { readFileSync } from 'node:fs'

/**
 * Rows of tshark's `-T fields -E header=y -E separator=, -E quote=d` output, keyed by the field
 * names of the header line ('' where tshark printed nothing). Quoted cells may hold commas,
 * newlines and `""` for a quote.
 */
export function readTsharkCsv (file: string): Array<Record<string, string>> {
  const text = readFileSync(file, 'utf8')
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = '' } else if (c !== '\r') field += c
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row) }
  const [head, ...body] = rows
  if (head === undefined) return []
  return body.map(r => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])))
}
