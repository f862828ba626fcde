import { AjvCompiler } from '@fastify/ajv-compiler'
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify'

type Validate = ((data: unknown) => unknown) & { errors?: unknown }
/** Fastify's `ajv` server option. */
export interface LazyValidationAjvOptions {
  readonly customOptions?: Record<string, unknown>
  readonly plugins?: readonly unknown[]
}

type RouteSchema = Parameters<FastifySchemaCompiler<unknown>>[0]

/**
 * Route schemas validated exactly as Fastify's default does (its own Ajv compiler, its default options), but
 * compiled on each route's first request instead of at `ready`: building Ajv (its meta-schema, the formats)
 * and the validators is tens of milliseconds of CPU a cold start would pay before the service can say it is
 * ready, for routes the readiness gate keeps closed anyway. The price: a malformed schema fails its first
 * request (a 500), not the start — the service's tests call every route with a schema.
 * `ajv` is what Fastify's own `ajv` option would be (`{ customOptions: { coerceTypes: false } }`): Fastify's is
 * not used once this is installed.
 * @example
 * const app = Fastify()
 * installLazyValidation(app) // before the routes are declared
 */
export function installLazyValidation(app: FastifyInstance, ajv: LazyValidationAjvOptions = {}): void {
  const options = { customOptions: {}, plugins: [], ...ajv }
  let compile: ((route: RouteSchema) => Validate) | undefined
  app.setValidatorCompiler((route) => {
    let validate: Validate | undefined
    const lazy: Validate = (data) => {
      // With Fastify's defaults (fastify.js: `{ customOptions: {}, plugins: [] }`) and the app's shared schemas.
      compile ??= AjvCompiler()(
        app.getSchemas() as Parameters<ReturnType<typeof AjvCompiler>>[0],
        options as unknown as Parameters<ReturnType<typeof AjvCompiler>>[1],
      ) as (route: RouteSchema) => Validate
      validate ??= compile(route)
      const result = validate(data)
      lazy.errors = validate.errors
      return result
    }
    return lazy as ReturnType<FastifySchemaCompiler<unknown>>
  })
}
