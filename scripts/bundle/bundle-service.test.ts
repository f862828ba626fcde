import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { BundleCheckError, type BundleProblem } from './bundle-problems.js'
import { bundleService } from './bundle-service.js'
import { sourcePatchPlugin } from './node-only-patches.js'

// A tiny service in a temporary folder, bundled by the real bundler: what the backend did with ioredis, small.
const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-bundle-'))
  made.push(dir)
  const all = { 'package.json': JSON.stringify({ type: 'module' }), ...files }
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

/** A CommonJS package whose named export Node's loader detects (`exports.greet = …`). */
const CJS_GREETER = {
  'node_modules/cjs-greeter/package.json': JSON.stringify({ name: 'cjs-greeter', main: 'index.js' }),
  'node_modules/cjs-greeter/index.js': "exports.greet = (name) => 'hello ' + name\n",
}
const READS_GREET = {
  'src/main.ts': "const { greet } = await import('cjs-greeter')\nconsole.log(greet('bundle'))\n",
}

async function problemsOf(dir: string, external: readonly string[]): Promise<readonly BundleProblem[]> {
  try {
    await bundleService(dir, { external })
    return []
  } catch (error) {
    if (error instanceof BundleCheckError) return error.problems
    throw error
  }
}

describe('the bundle check', () => {
  it('fails a CommonJS package bundled into a chunk of its own, naming the chunk, the import and the export', async () => {
    const dir = fixture({ ...CJS_GREETER, ...READS_GREET })
    const error = await bundleService(dir, { external: [] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BundleCheckError)
    const { problems, message, code } = error as BundleCheckError
    expect(code).toBe('BUNDLE_ERR_CHECK_FAILED')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ kind: 'missing-export', chunk: 'main.js', missing: ['greet'] })
    expect(problems[0]!.specifier).toMatch(/^\.\/bundle-cjs-greeter-\w+\.js$/)
    expect(message).toContain(`main.js: import("${problems[0]!.specifier}")`)
    expect(message).toMatch(
      /reads greet, which bundle-cjs-greeter-\w+\.js does not export \(it exports default\)/,
    )
    // What the check prevents: the bundle as built reads undefined and throws.
    const run = spawnSync(process.execPath, [join(dir, 'dist/main.js')], { encoding: 'utf8' })
    expect(run.status).not.toBe(0)
    expect(run.stderr).toContain('greet is not a function')
  })

  it('passes the same code with the package left to Node, which finds its named export', async () => {
    const dir = fixture({ ...CJS_GREETER, ...READS_GREET })
    expect(await problemsOf(dir, ['cjs-greeter'])).toEqual([])
    const run = spawnSync(process.execPath, [join(dir, 'dist/main.js')], { encoding: 'utf8' })
    expect(run.stdout.trim()).toBe('hello bundle')
    expect(run.status).toBe(0)
  })

  it("fails an external package whose named export Node cannot detect (the smoke's own check)", async () => {
    const dir = fixture({
      'node_modules/opaque/package.json': JSON.stringify({ name: 'opaque', main: 'index.js' }),
      // Built at run time: Node's CommonJS lexer sees no names, so only `default` is there.
      'node_modules/opaque/index.js': "module.exports = Object.fromEntries([['greet', () => 'hi']])\n",
      'src/main.ts': "const { greet } = await import('opaque')\nconsole.log(greet())\n",
    })
    const problems = await problemsOf(dir, ['opaque'])
    expect(problems).toEqual([
      expect.objectContaining({
        kind: 'missing-export',
        chunk: 'main.js',
        specifier: 'opaque',
        missing: ['greet'],
      }),
    ])
    expect(problems[0]!.message).toContain('which Node does not find in opaque (it exports default)')
  })

  it('fails a chunk that throws when a fresh Node process imports it, and never runs the entry', async () => {
    const dir = fixture({
      'src/main.ts': [
        "import { writeFileSync } from 'node:fs'",
        "writeFileSync(new URL('../entry-ran', import.meta.url), '')",
        "const { later } = await import('./later.js')",
        'later()',
      ].join('\n'),
      'src/later.ts':
        "if (!process.env.LATER_OK) throw new Error('later needs LATER_OK')\nexport const later = () => 1\n",
    })
    const problems = await problemsOf(dir, [])
    expect(problems).toEqual([
      expect.objectContaining({
        kind: 'load-failed',
        chunk: expect.stringMatching(/^bundle-later-\w+\.js$/),
      }),
    ])
    expect(problems[0]!.message).toBe('importing it throws: later needs LATER_OK')
    expect(existsSync(join(dir, 'entry-ran'))).toBe(false)
  })
})

describe('the Node-only patches', () => {
  it("keep pg from loading Node's fetch (undici) when a bundle imports it", async () => {
    // The real pg, linked into the fixture: esbuild follows the link and bundles it from its real folder.
    const dir = fixture({
      'src/main.ts': [
        "import pg from 'pg'",
        'new pg.Client()',
        "console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('undici'))))",
      ].join('\n'),
    })
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(
      fileURLToPath(new URL('../../node_modules/pg', import.meta.url)),
      join(dir, 'node_modules/pg'),
    )
    await bundleService(dir, { external: [] })
    const run = spawnSync(process.execPath, [join(dir, 'dist/main.js')], { encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout)).toEqual([])
  })

  it("leave zod's locales other than English out of a bundle, and its messages English", async () => {
    const dir = fixture({
      'src/main.ts': [
        "import { z } from 'zod'",
        'const parsed = z.object({ port: z.number() }).safeParse({ port: "x" })',
        'console.log(JSON.stringify({ locales: Object.keys(z.locales), message: parsed.error?.issues[0]?.message }))',
      ].join('\n'),
    })
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(
      fileURLToPath(new URL('../../node_modules/zod', import.meta.url)),
      join(dir, 'node_modules/zod'),
    )
    await bundleService(dir, { external: [] })
    const run = spawnSync(process.execPath, [join(dir, 'dist/main.js')], { encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout)).toEqual({
      locales: ['en'],
      message: 'Invalid input: expected number, received string',
    })
    const bundled = readdirSync(join(dir, 'dist'))
      .filter((name) => name.endsWith('.js'))
      .map((name) => readFileSync(join(dir, 'dist', name), 'utf8'))
      .join('\n')
    // German's "invalid input" (esbuild writes ü as \\xFC): one of the ~50 locales a bundle no longer carries.
    expect(bundled).not.toMatch(/Ung(\\xFC|\u00fc)ltige Eingabe/)
  })

  it('fail the build when a patched file no longer holds the text the patch replaces', async () => {
    const dir = fixture({
      'node_modules/dep/package.json': JSON.stringify({ name: 'dep', main: 'index.js' }),
      'node_modules/dep/index.js': 'exports.x = 1\n',
      'src/main.ts': "import { x } from 'dep'\nconsole.log(x)\n",
    })
    const { build } = await import('esbuild')
    const error = await build({
      absWorkingDir: dir,
      entryPoints: [join(dir, 'src/main.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      logLevel: 'silent',
      plugins: [
        sourcePatchPlugin([
          { file: /\/node_modules\/dep\/index\.js$/, find: 'exports.y', replace: '', why: 'a test' },
        ]),
      ],
    }).catch((e: unknown) => e)
    expect(String(error)).toContain('no longer contains "exports.y" (a test)')
  })
})
