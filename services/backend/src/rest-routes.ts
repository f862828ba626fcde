import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  newThreadBodySchema,
  type MessagePage,
  type PageQuery,
  type Thread,
  type ThreadPage,
} from '@tarmac/protocol'
import { HttpError } from '@tarmac/service'
import type { ChatService } from './chat-service.js'
import type { Identity, TokenVerifier } from './token-verifier.js'

const pageQuery = {
  type: 'object',
  properties: {
    cursor: { type: 'string', maxLength: 64 },
    limit: { type: 'integer', minimum: 1, maximum: 100 },
  },
  additionalProperties: false,
} as const

/**
 * `/api/threads…`: every route needs `Authorization: Bearer <access JWT>`, and every query is scoped to
 * the token's user, so another user's thread is a 404. Errors go to the service's one error handler, which
 * answers each code with its catalog entry (`THREAD_NOT_FOUND` 404, `AUTH_FAILED` 401 `UNAUTHORIZED`…). Services are read late (they start after `init`,
 * when the routes must already be declared); the readiness gate keeps requests out until then.
 */
export function registerRestRoutes(
  app: FastifyInstance,
  services: () => { verifier: TokenVerifier; chat: ChatService },
): void {
  async function identify(request: FastifyRequest): Promise<Identity> {
    const header = request.headers.authorization ?? ''
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    if (!match) throw new HttpError('UNAUTHORIZED', 'send Authorization: Bearer <access token>')
    return services().verifier.verify(match[1]!)
  }

  app.register(
    async (api) => {
      api.post<{ Body: unknown }>('/threads', async (request, reply) => {
        const { userId } = await identify(request)
        // The body is optional (no body: an untitled thread), so it is checked here rather than by a schema.
        const body = newThreadBodySchema.safeParse(request.body ?? {})
        if (!body.success) {
          throw new HttpError(
            'VALIDATION_FAILED',
            `body: ${body.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
          )
        }
        const thread: Thread = await services().chat.createThread(userId, body.data.title ?? 'New chat')
        return reply.status(201).send(thread)
      })

      api.get<{ Querystring: PageQuery }>(
        '/threads',
        { schema: { querystring: pageQuery } },
        async (request): Promise<ThreadPage> => {
          const { userId } = await identify(request)
          return services().chat.listThreads(userId, request.query)
        },
      )

      api.get<{ Params: { id: string }; Querystring: PageQuery }>(
        '/threads/:id/messages',
        { schema: { querystring: pageQuery } },
        async (request): Promise<MessagePage> => {
          const { userId } = await identify(request)
          return services().chat.history(userId, request.params.id, request.query)
        },
      )

      api.delete<{ Params: { id: string } }>('/threads/:id', async (request, reply) => {
        const { userId } = await identify(request)
        await services().chat.deleteThread(userId, request.params.id)
        return reply.status(204).send()
      })
    },
    { prefix: '/api' },
  )
}
