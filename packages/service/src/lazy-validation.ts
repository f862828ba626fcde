import { AjvCompiler } from '@fastify/ajv-compiler'
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify'

type Validate = ((data: unknown) => unknown) & { errors?: unknown }
type RouteSchema = Parameters<FastifySchemaCompiler<unknown>>[0]

/**
 * Route schemas validated exactly as Fastify's default does (its own Ajv compiler, its default options), but
 * compiled on each route's first request instead of at `ready`: building Ajv (its meta-schema, the formats)
 * and the validators is tens of milliseconds of CPU a cold start would pay before the service can say it is
 * ready, for routes the readiness gate keeps closed anyway. The price: a malformed schema fails its first
 * request (a 500), not the start — the service's tests call every route with a schema.
 * @example
 * const app = Fastify()
 * installLazyValidation(app) // before the routes are declared
 */
export function installLazyValidation(app: FastifyInstance): void {
  let compile: ((route: RouteSchema) => Validate) | undefined
  app.setValidatorCompiler((route) => {
    let validate: Validate | undefined
    const lazy: Validate = (data) => {
      // Fastify's defaults (fastify.js: `ajv: { customOptions: {}, plugins: [] }`) and the app's shared schemas.
      compile ??= AjvCompiler()(app.getSchemas() as Parameters<ReturnType<typeof AjvCompiler>>[0], {
        customOptions: {},
        plugins: [],
      }) as (route: RouteSchema) => Validate
      validate ??= compile(route)
      const result = validate(data)
      lazy.errors = validate.errors
      return result
    }
    return lazy as ReturnType<FastifySchemaCompiler<unknown>>
  })
}
