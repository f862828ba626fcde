import type { Logger } from '@tarmac/service'
import { createHttpServerComponent } from '@tarmac/service'
import type { Startup } from '@tarmac/startup'
import { createStartup } from '@tarmac/startup'
import type { FastifyInstance } from 'fastify'
import { createFrontendApp } from './app.js'
import type { FrontendConfig } from './options.js'
import { DEFAULT_PUBLIC_DIR, loadFrontendConfig } from './options.js'
import { buildAppBundle, isAppBuilt } from './app-build.js'

/** The frontend's phases: nothing in them waits on a database or on another service. */
export const FRONTEND_PHASES = ['init', 'http'] as const

export interface FrontendStartupOptions {
  logger: Logger
  /** Default `process.env`. */
  env?: Record<string, string | undefined>
}

/**
 * The frontend as a startup engine: `init` validates the config (`config`), builds the web app if it is missing outside production
 * (`assets`) and builds the server (`app`); `http`
 * listens (`server`, resource `{ port }`). `src/main.ts` runs it with `runMain`; tests call `run()`/`shutdown()`.
 * @example await runMain(createFrontendStartup({ logger }))
 */
export function createFrontendStartup(options: FrontendStartupOptions): Startup {
  const { logger } = options
  const startup = createStartup({ name: 'frontend', phases: [...FRONTEND_PHASES], logger })
  startup.add({ name: 'config', phase: 'init', start: () => loadFrontendConfig(options.env) })
  // Outside production, an unbuilt app is built once at start (`tarmac up` on a fresh clone); in production a
  // missing build is a packaging error, and the server says so in its log rather than build on a live instance.
  startup.add({
    name: 'assets',
    phase: 'init',
    timeoutMs: 120_000,
    start: async ({ resource, signal, log }) => {
      const config = resource<FrontendConfig>('config')
      const publicDir = config.PUBLIC_DIR ?? DEFAULT_PUBLIC_DIR
      if (isAppBuilt(publicDir) || config.NODE_ENV === 'production') return { publicDir, built: false }
      log.info({ publicDir }, 'the app is not built: building it once (npm run build -w services/frontend)')
      await buildAppBundle(publicDir, { signal })
      return { publicDir, built: true }
    },
  })
  startup.add({
    name: 'app',
    phase: 'init',
    start: ({ resource }) =>
      createFrontendApp({ config: resource<FrontendConfig>('config'), logger, startup }),
    stop: (app: FastifyInstance) => app.close(),
  })
  startup.add({
    name: 'server',
    phase: 'http',
    start: (context) => {
      const config = context.resource<FrontendConfig>('config')
      const app = context.resource<FastifyInstance>('app')
      return createHttpServerComponent({ app, port: config.PORT, host: config.HOST, phase: 'http' }).start(
        context,
      )
    },
  })
  return startup
}
