import { styleText } from 'node:util'

/** The colours the CLI uses, nothing else. */
export const COLOURS = ['red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'gray', 'bold', 'dim'] as const
export type Colour = (typeof COLOURS)[number]

/** Colours on only for a terminal and when `NO_COLOR` is unset (https://no-color.org). */
export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb'
}

/** A painter: `paint('red', text)` colours when enabled, returns the text untouched otherwise. */
export type Paint = (colour: Colour, text: string) => string

export function createPaint(enabled: boolean): Paint {
  if (!enabled) return (_colour, text) => text
  return (colour, text) => styleText(colour, text, { validateStream: false })
}

/** Removes ANSI escape sequences: widths are measured on what the eye sees. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '')
}

/** Pads to a visible width, ignoring colour codes. */
export function padEnd(text: string, width: number): string {
  const visible = stripAnsi(text).length
  return visible >= width ? text : text + ' '.repeat(width - visible)
}

/** Renders rows as aligned columns separated by two spaces. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) =>
    Math.max(stripAnsi(title).length, ...rows.map((row) => stripAnsi(row[i] ?? '').length)),
  )
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : padEnd(cell, widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}
