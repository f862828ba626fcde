/**
 * The two checks that keep the package graph honest, run on fixtures: ESLint's boundary rule
 * (`no-restricted-imports` in eslint.config.js) and madge's cycle search with the repository's .madgerc
 * (`npm run cycles`). `npm run lint` runs both on the whole repository; this shows each one fails when it must.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ESLint } from 'eslint'
import madge from 'madge'
import tseslint from 'typescript-eslint'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')

/** The repository's ESLint config, with only the boundary rule on (the type-aware rules need a real file). */
async function boundaryProblems(code: string, filePath: string): Promise<{ line: number; rule: string }[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: [
      tseslint.configs.disableTypeChecked,
      { languageOptions: { parserOptions: { projectService: false } } },
    ],
    ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  })
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) })
  return result!.messages.map((m) => ({ line: m.line, rule: m.ruleId ?? `fatal: ${m.message}` }))
}

describe('the package boundary rule (eslint.config.js)', () => {
  it("reports every deep import of another package's src/ or dist/ and every relative climb out of a workspace", async () => {
    const problems = await boundaryProblems(
      fixture('boundaries/crossing.ts'),
      'packages/postgres/src/crossing.ts',
    )
    expect(problems).toEqual([3, 4, 5, 6].map((line) => ({ line, rule: 'no-restricted-imports' })))
  })

  it('passes imports within a package and through another package’s exports, at any depth', async () => {
    const problems = await boundaryProblems(
      fixture('boundaries/within.ts'),
      'packages/postgres/src/admission/within.ts',
    )
    expect(problems).toEqual([])
  })

  it('counts the depth of the file: ../../ leaves a workspace from src/, not from src/a/b/', async () => {
    const climb = "import { x } from '../../errors.js'\nexport { x }\n"
    expect(await boundaryProblems(climb, 'packages/cli/src/deploy/platform/x.ts')).toEqual([])
    expect(await boundaryProblems(climb, 'packages/cli/src/x.ts')).toEqual([
      { line: 1, rule: 'no-restricted-imports' },
    ])
    const helper = "import { h } from '../../../packages/cli/test/cli-process.js'\nexport { h }\n"
    expect(await boundaryProblems(helper, 'services/frontend/test/x.test.ts')).toEqual([
      { line: 1, rule: 'no-restricted-imports' },
    ])
    // The repository's tooling is not a package: a build test may run the bundler in scripts/.
    const tooling = "import { b } from '../../../../scripts/bundle/bundle-service.js'\nexport { b }\n"
    expect(await boundaryProblems(tooling, 'services/backend/test/support/x.ts')).toEqual([])
  })
})

describe('the cycle check (.madgerc, npm run cycles)', () => {
  const config = JSON.parse(readFileSync(join(root, '.madgerc'), 'utf8')) as Record<string, unknown>

  it('finds a cycle made only of `import type`', async () => {
    const result = await madge(join(import.meta.dirname, 'fixtures/import-cycle'), {
      ...config,
      excludeRegExp: [],
      tsConfig: join(root, 'tsconfig.json'),
    })
    expect(result.circular()).toEqual([['customer.ts', 'order.ts']])
  })

  it('would miss it if type imports were skipped (so the setting in .madgerc is what catches it)', async () => {
    const result = await madge(join(import.meta.dirname, 'fixtures/import-cycle'), {
      ...config,
      excludeRegExp: [],
      tsConfig: join(root, 'tsconfig.json'),
      detectiveOptions: { ts: { skipTypeImports: true }, tsx: { skipTypeImports: true } },
    })
    expect(result.circular()).toEqual([])
  })
})
