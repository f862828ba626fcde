import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const VITE_CONFIG = fileURLToPath(new URL('../app/vite.config.ts', import.meta.url))

/** True when `publicDir` holds a built app. */
export const isAppBuilt = (publicDir: string): boolean => existsSync(join(publicDir, 'index.html'))

/**
 * Builds the app for production into `outDir` (`vite build` in a child process with `NODE_ENV=production`, so a
 * caller running under `NODE_ENV=test` or `development` still gets React's production build). Needs the dev
 * dependencies: `tarmac up` and the tests use it when the app has not been built; production images run
 * `npm run build` instead.
 */
export async function buildAppBundle(outDir: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  const vitePackage = createRequire(import.meta.url).resolve('vite/package.json')
  const vite = join(dirname(vitePackage), 'bin', 'vite.js')
  const args = [
    vite,
    'build',
    '--config',
    VITE_CONFIG,
    '--outDir',
    outDir,
    '--emptyOutDir',
    '--logLevel',
    'warn',
  ]
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(options.signal && { signal: options.signal }),
    })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build exited ${code}: ${stderr}`)),
    )
  })
}
