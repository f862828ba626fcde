import type { Logger } from '@tarmac/service'
import { createHttpServerComponent } from '@tarmac/service'
import type { ResourceHandle, Startup } from '@tarmac/startup'
import { createStartup } from '@tarmac/startup'
import type { FastifyInstance } from 'fastify'
import { createFrontendApp } from './app.js'
import type { FrontendConfig } from './options.js'
import { DEFAULT_PUBLIC_DIR } from './options.js'
import { buildAppBundle, isAppBuilt } from './app-build.js'

/** The frontend's phases: nothing in them waits on a database or on another service. */
export const FRONTEND_PHASES = ['init', 'http'] as const

export interface FrontendStartupOptions {
  readonly logger: Logger
  /** Validated before the engine is built (`loadConfigOrExit` in `run-frontend.ts`). */
  readonly config: FrontendConfig
}

/** The frontend's engine and the handle of its listening server. */
export interface FrontendStartup {
  readonly startup: Startup
  /** `{ port }` once `http` has started. */
  readonly server: ResourceHandle<{ port: number }>
}

/**
 * The frontend as a startup engine: `init` builds the web app if it is missing outside production (`assets`)
 * and builds the server (`app`); `http` listens (`server`, resource `{ port }`). `src/run-frontend.ts` runs it
 * with `runMain`; tests call `run()`/`shutdown()`.
 * @example await runMain(createFrontendStartup({ logger, config }).startup)
 */
export function createFrontendStartup(options: FrontendStartupOptions): FrontendStartup {
  const { logger, config } = options
  const startup = createStartup({ name: 'frontend', phases: [...FRONTEND_PHASES], logger })
  // Outside production, an unbuilt app is built once at start (`tarmac up` on a fresh clone); in production a
  // missing build is a packaging error, and the server says so in its log rather than build on a live instance.
  startup.add({
    name: 'assets',
    phase: 'init',
    timeoutMs: 120_000,
    start: async ({ signal, log }) => {
      const publicDir = config.PUBLIC_DIR ?? DEFAULT_PUBLIC_DIR
      if (isAppBuilt(publicDir) || config.NODE_ENV === 'production') return { publicDir, built: false }
      log.info({ publicDir }, 'the app is not built: building it once (npm run build -w services/frontend)')
      await buildAppBundle(publicDir, { signal })
      return { publicDir, built: true }
    },
  })
  const app = startup.add({
    name: 'app',
    phase: 'init',
    start: () => createFrontendApp({ config, logger, startup }),
    stop: (fastify: FastifyInstance) => fastify.close(),
  })
  const server = startup.add({
    name: 'server',
    phase: 'http',
    start: (context) =>
      createHttpServerComponent({
        app: app.get(),
        port: config.PORT,
        host: config.HOST,
        phase: 'http',
      }).start(context),
  })
  return { startup, server }
}
