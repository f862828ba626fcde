import { createHttpServerComponent, createLogger, logLevel } from '@tarmac/service'
import { createStartup, runMain } from '@tarmac/startup'
import type { FastifyInstance } from 'fastify'
import { createFrontendApp } from './app.js'
import type { FrontendConfig } from './options.js'
import { loadFrontendConfig } from './options.js'

// Phases: `init` reads the config and builds the app; `http` listens. No database, no phase that could wait on one.
// The logger exists before the config is validated; a bad LOG_LEVEL is reported by the config component.
const logger = createLogger({
  name: 'frontend',
  level: logLevel.safeParse(process.env.LOG_LEVEL || undefined).data ?? 'info',
})
const startup = createStartup({ name: 'frontend', phases: ['init', 'http'], logger })

startup.add({
  name: 'config',
  phase: 'init',
  start: () => loadFrontendConfig(),
})
startup.add({
  name: 'app',
  phase: 'init',
  start: ({ resource }) => createFrontendApp({ config: resource<FrontendConfig>('config'), logger, startup }),
  stop: (app: FastifyInstance) => app.close(),
})
startup.add({
  name: 'server',
  phase: 'http',
  start: async (context) => {
    const config = context.resource<FrontendConfig>('config')
    const app = context.resource<FastifyInstance>('app')
    const component = createHttpServerComponent({ app, port: config.PORT, host: config.HOST, phase: 'http' })
    return component.start(context)
  },
})

await runMain(startup)
