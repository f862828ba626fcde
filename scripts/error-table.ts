import type { FaultCatalog, FaultSpec } from '@tarmac/faults'

/** An extra column of a catalog's table, e.g. `retryable`. */
export interface ErrorTableColumn {
  readonly header: string
  readonly cell: (spec: Readonly<Record<string, unknown>>) => string
}

const BEGIN = (owner: string) =>
  `<!-- error-table:begin ${owner} (generated from errors.ts: npm run docs:errors) -->`
const END = '<!-- error-table:end -->'

const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/**
 * The README table of a catalog: code, status (and the code a client sees instead, if any), domain, layer (a deferring code says its cause decides), the
 * extra columns, meaning, what to do. Columns are padded so the markdown reads as a table too.
 */
export function renderErrorTable(catalog: FaultCatalog, extra: readonly ErrorTableColumn[] = []): string {
  const header = ['code', 'status', ...extra.map((c) => c.header), 'domain', 'layer', 'meaning', 'what to do']
  const rows = catalog.codes.map((code) => {
    const spec = catalog.specs[code]! as FaultSpec & Readonly<Record<string, unknown>>
    const domain = spec.defers ? `the cause's${spec.domain ? ` (else ${spec.domain})` : ''}` : spec.domain
    const layer = spec.defers ? `the cause's${spec.layer ? ` (else ${spec.layer})` : ''}` : spec.layer
    return [
      `\`${code}\``,
      spec.status === undefined ? '—' : `${spec.status}${spec.answersAs ? ` as \`${spec.answersAs}\`` : ''}`,
      ...extra.map((c) => c.cell(spec)),
      domain,
      layer,
      spec.meaning,
      spec.action,
    ].map(escape)
  })
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((row) => row[i]!.length), 3))
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** The generated block as it sits in a README: markers, and prettier told to leave it alone. */
export function errorTableBlock(catalog: FaultCatalog, extra: readonly ErrorTableColumn[] = []): string {
  return [
    BEGIN(catalog.owner),
    '<!-- prettier-ignore-start -->',
    renderErrorTable(catalog, extra),
    '<!-- prettier-ignore-end -->',
    END,
  ].join('\n')
}

/** The block of `owner` in a README, or undefined when it has none. */
export function findErrorTableBlock(markdown: string, owner: string): string | undefined {
  const start = markdown.indexOf(BEGIN(owner))
  if (start < 0) return undefined
  const end = markdown.indexOf(END, start)
  return end < 0 ? undefined : markdown.slice(start, end + END.length)
}

/** The README with its block for this catalog regenerated (appended under `## Errors` if it had none). */
export function withErrorTable(
  markdown: string,
  catalog: FaultCatalog,
  extra: readonly ErrorTableColumn[] = [],
): string {
  const block = errorTableBlock(catalog, extra)
  const existing = findErrorTableBlock(markdown, catalog.owner)
  if (existing !== undefined) return markdown.replace(existing, block)
  return `${markdown.trimEnd()}\n\n## Errors\n\n${block}\n`
}
