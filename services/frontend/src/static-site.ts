import { existsSync } from 'node:fs'
import fastifyStatic from '@fastify/static'
import { HttpError } from '@tarmac/service'
import type { FastifyInstance } from 'fastify'

/**
 * Paths that belong to the server or the proxies, never answered with the app's `index.html`. `/status` itself is
 * the app's status page; only what is under it (`/status/services`, `/status/<service>/health/…`) is reserved.
 */
export const RESERVED_PATHS = ['/api', '/auth', '/ws', '/health', '/metrics'] as const
export const RESERVED_PREFIXES = ['/api/', '/auth/', '/ws/', '/health/', '/status/'] as const

/** Vite names every built asset by its content hash, so a URL's content never changes. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable'
/** `index.html` names the current hashes: revalidate it on every load. */
export const DOCUMENT_CACHE_CONTROL = 'no-cache'

const isReserved = (path: string) =>
  (RESERVED_PATHS as readonly string[]).includes(path) ||
  RESERVED_PREFIXES.some((prefix) => path.startsWith(prefix))

/**
 * Serves the built app from `publicDir`: hashed `/assets/*` immutable, everything else `no-cache`, and
 * `index.html` for any other GET that is not an API path and does not look like a file (the app's own routes,
 * such as `/chat/…` and `/status`), so deep links and reloads work.
 */
export async function registerStaticSite(app: FastifyInstance, publicDir: string): Promise<void> {
  if (!existsSync(publicDir)) {
    app.log.warn({ publicDir }, 'the app is not built (npm run build -w services/frontend): serving no pages')
  } else {
    await app.register(fastifyStatic, {
      root: publicDir,
      prefix: '/',
      wildcard: false,
      cacheControl: false,
      index: false,
      setHeaders(reply, filePath) {
        const hashed = /[\\/]assets[\\/]/.test(filePath)
        void reply.header('cache-control', hashed ? IMMUTABLE_CACHE_CONTROL : DOCUMENT_CACHE_CONTROL)
      },
    })
  }
  const hasIndex = existsSync(`${publicDir}/index.html`)
  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    const lastSegment = path.slice(path.lastIndexOf('/') + 1)
    if (!hasIndex || isReserved(path) || lastSegment.includes('.')) {
      throw new HttpError('NOT_FOUND', `no route ${request.method} ${path}`)
    }
    return reply.header('cache-control', DOCUMENT_CACHE_CONTROL).sendFile('index.html')
  })
}
