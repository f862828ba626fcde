import { randomUUID } from 'node:crypto'
import { cpSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleService } from '../../../../scripts/bundle/bundle-service.js'

const SERVICE_DIR = fileURLToPath(new URL('../..', import.meta.url))

export interface BuiltBackend {
  /** The bundle's entry: run it with `node`, as the image does. */
  readonly main: string
  remove(): Promise<void>
}

/**
 * The backend bundled by the build's own bundler (scripts/bundle/bundle-service.ts, its check and smoke
 * included) into a folder of this test's under services/backend/.tarmac/ — never `dist/`, which a build or
 * another test may be using — with `migrations/` beside it, where the bundle looks for them. Inside the
 * service's folder so node_modules resolve as they do for `dist/`.
 */
export async function buildBackend(): Promise<BuiltBackend> {
  const root = join(SERVICE_DIR, '.tarmac', `bundle-test-${randomUUID()}`)
  const remove = () => rm(root, { recursive: true, force: true })
  try {
    await bundleService(SERVICE_DIR, { outdir: join(root, 'dist') })
    cpSync(join(SERVICE_DIR, 'migrations'), join(root, 'migrations'), { recursive: true })
  } catch (error) {
    await remove()
    throw error
  }
  return { main: join(root, 'dist/main.js'), remove }
}
