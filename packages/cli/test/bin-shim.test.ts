import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT, runCli, TARMAC_BIN } from './cli-process.js'

// `npx tarmac` at the repository root: npm links the workspace's bin (bin/tarmac.js, which exists before any
// build) into node_modules/.bin; it runs dist/bin.js when that is built and current, else the sources.
describe('the tarmac bin', () => {
  it('is what node_modules/.bin/tarmac runs', () => {
    expect(realpathSync(join(REPO_ROOT, 'node_modules/.bin/tarmac'))).toBe(realpathSync(TARMAC_BIN))
  })

  it('runs from the sources when there is no current build (TARMAC_FROM_SOURCE=1 forces it)', async () => {
    const { code, stdout } = await runCli(['--help'], { env: { TARMAC_FROM_SOURCE: '1' } })
    expect(code).toBe(0)
    expect(stdout).toContain('tarmac — run, watch and validate the Tarmac stack')
    const usage = await runCli(['validate', '--bogus'], { env: { TARMAC_FROM_SOURCE: '1' } })
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('CLI_ERR_USAGE')
  }, 60_000)
})
