import type { Logger } from '@tarmac/service'
import { createHttpServerComponent } from '@tarmac/service'
import type { Startup } from '@tarmac/startup'
import { createStartup } from '@tarmac/startup'
import type { FastifyInstance } from 'fastify'
import { createFrontendApp } from './app.js'
import type { FrontendConfig } from './options.js'
import { loadFrontendConfig } from './options.js'

/** The frontend's phases: nothing in them waits on a database or on another service. */
export const FRONTEND_PHASES = ['init', 'http'] as const

export interface FrontendStartupOptions {
  logger: Logger
  /** Default `process.env`. */
  env?: Record<string, string | undefined>
}

/**
 * The frontend as a startup engine: `init` validates the config (`config`) and builds the app (`app`); `http`
 * listens (`server`, resource `{ port }`). `src/main.ts` runs it with `runMain`; tests call `run()`/`shutdown()`.
 * @example await runMain(createFrontendStartup({ logger }))
 */
export function createFrontendStartup(options: FrontendStartupOptions): Startup {
  const { logger } = options
  const startup = createStartup({ name: 'frontend', phases: [...FRONTEND_PHASES], logger })
  startup.add({ name: 'config', phase: 'init', start: () => loadFrontendConfig(options.env) })
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
