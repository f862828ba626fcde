import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { redactUrl } from '@tarmac/probe'
import { CliError } from '../../errors.js'
import { commandLineOf, commandOf, savedPathOf, type PlatformRequest } from './platform-requests.js'

/**
 * How a read ended: the JSON answer, or why there is none — the resource does not exist (`missing`: a drift of
 * its own), the platform refused the caller (`denied`), the tool failed otherwise (`failed`), or the answer is
 * not JSON / not saved (`unreadable`).
 */
export const REFUSALS = ['missing', 'denied', 'failed', 'unreadable'] as const
export type Refusal = (typeof REFUSALS)[number]

export type PlatformAnswer =
  | { readonly ok: true; readonly json: unknown }
  | { readonly ok: false; readonly refusal: Refusal; readonly message: string }

/** Where answers come from: the platforms' own tools, or a directory of saved answers. */
export interface PlatformSource {
  /** `gcloud and kubectl`, or `saved answers in DIR`. */
  readonly label: string
  read(request: PlatformRequest): Promise<PlatformAnswer>
}

/** What gcloud and kubectl print when the caller may not read (IAM, RBAC, no credentials at all). */
const DENIED =
  /PERMISSION_DENIED|HTTPError 403|\(Forbidden\)|is forbidden|Unauthorized|not authorized|does not have [\w.]*\s*permission|do not currently have an active account|credentials|Reauthentication/i
/** …and when what was asked for does not exist. */
const MISSING = /NOT_FOUND|HTTPError 404|Cannot find|\(NotFound\)|was not found|does not exist/i

/** Sorts a tool's error output: denied before missing (a denial may add "or the resource may not exist"). */
export function classifyRefusal(stderr: string): Exclude<Refusal, 'unreadable'> {
  if (DENIED.test(stderr)) return 'denied'
  if (MISSING.test(stderr)) return 'missing'
  return 'failed'
}

const firstLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, 3)
    .join(' / ')

function parsed(text: string, what: string): PlatformAnswer {
  try {
    return { ok: true, json: JSON.parse(text) as unknown }
  } catch (error) {
    return { ok: false, refusal: 'unreadable', message: `${what} is not JSON: ${(error as Error).message}` }
  }
}

/** Saved answers: `<dir>/<path>.json`, or `<dir>/<path>.error` holding what the tool printed when it failed. */
export function savedSource(dir: string): PlatformSource {
  return {
    label: `saved answers in ${dir}`,
    async read(request) {
      const path = join(dir, savedPathOf(request))
      const json = await readFile(path, 'utf8').catch(() => undefined)
      if (json !== undefined) return parsed(json, path)
      const error = await readFile(path.replace(/\.json$/, '.error'), 'utf8').catch(() => undefined)
      if (error !== undefined)
        return { ok: false, refusal: classifyRefusal(error), message: firstLines(error) }
      return {
        ok: false,
        refusal: 'unreadable',
        message: `no saved answer ${savedPathOf(request)} (save it with: ${commandLineOf(request)} > ${savedPathOf(request)})`,
      }
    },
  }
}

export interface LiveSourceOptions {
  /** The environment the tools run with (PATH, CLOUDSDK_*, KUBECONFIG). */
  readonly env: NodeJS.ProcessEnv
  /** Per command. */
  readonly timeoutMs: number
  /** Also write every answer under this directory, for a later `--from`. */
  readonly saveDir?: string
  readonly signal?: AbortSignal
}

/** Passwords in URLs never reach a saved file (a plain env var can hold a DATABASE_URL). */
const redactStrings = (_key: string, value: unknown) => (typeof value === 'string' ? redactUrl(value) : value)

/**
 * The platforms' own tools with JSON output. A tool that is not installed is `CLI_ERR_PLATFORM_TOOL_MISSING`
 * at once (nothing else can be read either); every other failure is an answer.
 */
export function liveSource(options: LiveSourceOptions): PlatformSource {
  return {
    label: 'gcloud and kubectl',
    async read(request) {
      const { tool, args } = commandOf(request)
      const result = await run(tool, args, options)
      const saveAs = options.saveDir === undefined ? undefined : join(options.saveDir, savedPathOf(request))
      if (!result.ok) {
        if (saveAs !== undefined) await save(saveAs.replace(/\.json$/, '.error'), result.stderr)
        return { ok: false, refusal: classifyRefusal(result.stderr), message: firstLines(result.stderr) }
      }
      const answer = parsed(result.stdout, `the output of ${commandLineOf(request)}`)
      if (answer.ok && saveAs !== undefined)
        await save(saveAs, `${JSON.stringify(answer.json, redactStrings, 2)}\n`)
      return answer
    },
  }
}

async function save(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, text)
}

type RunResult = { ok: true; stdout: string } | { ok: false; stderr: string }

function run(tool: string, args: string[], options: LiveSourceOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      args,
      {
        env: options.env,
        timeout: options.timeoutMs,
        maxBuffer: 64 << 20,
        ...(options.signal && { signal: options.signal }),
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ ok: true, stdout })
        const { code, killed } = error as NodeJS.ErrnoException & { killed?: boolean }
        if (code === 'ENOENT')
          return reject(
            new CliError(
              'CLI_ERR_PLATFORM_TOOL_MISSING',
              `${tool} is not installed or not on the PATH (${tool === 'gcloud' ? 'https://cloud.google.com/sdk/docs/install' : 'https://kubernetes.io/docs/tasks/tools/'}); or read saved answers with --from DIR`,
              { cause: error },
            ),
          )
        const said = killed
          ? `${tool} did not answer within ${options.timeoutMs} ms`
          : stderr || error.message
        resolve({ ok: false, stderr: said })
      },
    )
  })
}
