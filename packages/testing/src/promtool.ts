import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** Debian's `prometheus` package ships promtool; `.ci/run` installs it. `PROMTOOL_PATH` overrides. */
export const PROMTOOL_PATH = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool'

/**
 * Runs `promtool check metrics` on a Prometheus text exposition: `{ status: 0, output: '' }` when it passes,
 * else promtool's exit status and complaints. A missing promtool is an error naming its install command, never
 * a silent pass.
 * @example
 * expect(promtoolCheckMetrics(await response.text())).toEqual({ status: 0, output: '' })
 */
export function promtoolCheckMetrics(exposition: string): { status: number | null; output: string } {
  if (!existsSync(PROMTOOL_PATH))
    throw new Error(`${PROMTOOL_PATH} is missing: apt-get install -y prometheus (it ships promtool)`)
  const lint = spawnSync(PROMTOOL_PATH, ['check', 'metrics'], { input: exposition, encoding: 'utf8' })
  if (lint.error) throw lint.error
  return { status: lint.status, output: `${lint.stdout}${lint.stderr}`.trim() }
}
