import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { stringify } from 'yaml'

/** Where `tarmac up` writes the running stack as a tarmac.yaml, under the checkout. */
export const STACK_CONFIG_FILE = '.tarmac/stack.yaml'

/**
 * The running stack as a tarmac.yaml: every instance by name (backend-1, backend-2…, auth, frontend), so
 * `tarmac monitor --config .tarmac/stack.yaml` shows each one. Removed when `tarmac up` stops.
 */
export async function writeStackConfig(
  path: string,
  services: ReadonlyArray<{ name: string; url: string }>,
  databaseUrl: string | undefined,
): Promise<() => Promise<void>> {
  const config = {
    services: Object.fromEntries(
      services.map(({ name, url }) => [
        name,
        {
          url,
          tokenEnv: 'HEALTH_TOKEN',
          ...(name.startsWith('backend') &&
            services.some((s) => s.name === 'auth') && { authService: 'auth' }),
        },
      ]),
    ),
    ...(databaseUrl && { dependencies: { postgres: { type: 'postgres', url: databaseUrl } } }),
  }
  await mkdir(dirname(path), { recursive: true })
  await writeFile(
    path,
    `# Written by \`tarmac up\` while it runs (removed when it stops): tarmac monitor --config ${STACK_CONFIG_FILE}\n${stringify(config)}`,
  )
  return () => rm(path, { force: true })
}
