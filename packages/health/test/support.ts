import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import Fastify from 'fastify'
import type { FastifyInstance, InjectOptions } from 'fastify'
import type { HealthPluginOptions } from '@tarmac/health'
import { healthPlugin, HEALTH_MEDIA_TYPE } from '@tarmac/health'
import { expect } from 'vitest'
export { until } from '@tarmac/testing'

const schema: object = JSON.parse(readFileSync(new URL('./health-json.schema.json', import.meta.url), 'utf8'))
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema)

/** A Fastify app with the plugin registered first, as a service does. */
export async function buildApp(options: HealthPluginOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  await app.register(healthPlugin, options)
  await app.ready()
  return app
}

/** A parsed body: tests walk it freely and assert on what they find. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>

export interface ProbeReply {
  statusCode: number
  body: Json
  durationMs: number
  headers: Record<string, unknown>
}

/** GETs a path and checks what every health body must satisfy: media type, no-store, the health+json schema. */
export async function probe(
  app: FastifyInstance,
  url: string,
  options: Omit<InjectOptions, 'url' | 'method'> = {},
): Promise<ProbeReply> {
  const startedAt = performance.now()
  const response = await app.inject({ method: 'GET', url, remoteAddress: '10.0.0.8', ...options })
  const durationMs = performance.now() - startedAt
  expect(response.headers['cache-control']).toBe('no-store')
  const body = response.json<Json>()
  if (response.statusCode !== 404) {
    expect(String(response.headers['content-type']).split(';')[0]).toBe(HEALTH_MEDIA_TYPE)
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true)
  }
  return { statusCode: response.statusCode, body, durationMs, headers: response.headers }
}

export function recordingLogger() {
  const lines: { level: string; object: Record<string, unknown>; message?: string }[] = []
  const at = (level: string) => (object: object, message?: string) =>
    lines.push({ level, object: object as Record<string, unknown>, message })
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } }
}
