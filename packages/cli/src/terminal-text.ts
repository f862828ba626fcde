import type { CommandIo } from './command-io.js'
/**
 * Text from elsewhere (services, the collector, a platform's API) reaches the operator's terminal only through
 * here. A terminal obeys what it prints: ESC sequences move the cursor, clear the screen, set the window title,
 * write the clipboard (OSC 52) or make links (OSC 8); C1 controls (U+0080–U+009F) do the same on some terminals
 * without an ESC; a bare CR rewrites the line it is on. All of it goes.
 */

/** ESC sequences: CSI (`ESC [ … final`), OSC/DCS/SOS/PM/APC strings (to BEL or ST), and two-character ones. */
const ESCAPE_SEQUENCE =
  // eslint-disable-next-line no-control-regex
  /\u001b(?:\[[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|[\]PX^_][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|[\u0020-\u002f]*[\u0030-\u007e]?)/g
/** C1 strings that start without ESC: OSC (U+009D), DCS (U+0090), SOS, PM, APC, up to their terminator. */
// eslint-disable-next-line no-control-regex
const C1_STRING = /[\u0090\u0098\u009d\u009e\u009f][^\u0007\u001b\u009c]*(?:\u0007|\u009c)?/g
/** Every C0 control but TAB and LF, DEL, and every C1 control. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g
/** What the CLI's own paint writes (`styleText`): SGR only, `ESC [ digits;… m`. */
// eslint-disable-next-line no-control-regex
const SGR = /(\u001b\[[0-9;]*m)/

/** Text with every control character and escape sequence removed (TAB and LF kept). */
export function stripControls(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(C1_STRING, '').replace(CONTROL, '')
}

/**
 * The print boundary: what the CLI writes to a terminal, with everything but its own colours (SGR) removed. Text
 * from services is stripped of everything, colours included, where it is read (`stripControlsDeep`), so what
 * remains here is the CLI's own.
 */
export function terminalSafe(text: string): string {
  // split with a capturing group: the SGR sequences at odd indexes, the text between them at even ones.
  return text
    .split(SGR)
    .map((part, index) => (index % 2 === 1 ? part : stripControls(part)))
    .join('')
}

/** Every string in a parsed JSON value (keys too) through `stripControls`. */
export function stripControlsDeep(value: unknown): unknown {
  if (typeof value === 'string') return stripControls(value)
  if (Array.isArray(value)) return value.map(stripControlsDeep)
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [stripControls(key), stripControlsDeep(item)]),
    )
  return value
}

/** A command's io whose every write goes through `terminalSafe`: what monitor, diagnose and validate print with. */
export function terminalSafeIo<T extends CommandIo>(io: T): T {
  const safe = <S extends CommandIo['stdout'] | CommandIo['stderr']>(stream: S): S =>
    new Proxy(stream, {
      get: (target, key, receiver) =>
        key === 'write'
          ? (text: string) => target.write(terminalSafe(text))
          : Reflect.get(target, key, receiver),
    })
  return { ...io, stdout: safe(io.stdout), stderr: safe(io.stderr) }
}
