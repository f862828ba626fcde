import { createStartup } from '@tarmac/startup'
import { afterEach, describe, expect, it } from 'vitest'
import { createHealthRegistry, type HealthRegistry } from './registry.js'

function recordingLogger() {
  const lines: { level: string; object: object }[] = []
  const at = (level: string) => (object: object) => lines.push({ level, object })
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } }
}

const names = (registry: HealthRegistry) => registry.evaluate().checks.map(({ check }) => check.name)

describe('contributeChecks: a component registers all its checks or none', () => {
  let registry: HealthRegistry | undefined
  afterEach(() => registry?.close())

  it('removes the checks it added before the third one failed (a name already taken)', async () => {
    const { lines, logger } = recordingLogger()
    registry = createHealthRegistry({ logger })
    registry.add({ name: 'db:ping', run: () => ({}) }) // taken by someone else: the component's third add throws
    const startup = createStartup({ name: 'svc', phases: ['cache'] })
    const redis = startup.add({ name: 'redis', phase: 'cache', start: () => 'redis' })
    registry.contribute(startup, redis, () => [
      { name: 'redis:ping', run: () => ({}) },
      { name: 'redis:memory', run: () => ({}) },
      { name: 'db:ping', run: () => ({}) },
    ])
    await startup.run()
    expect(names(registry)).toEqual(['db:ping'])
    expect(lines.find((line) => 'code' in line.object)?.object).toMatchObject({
      component: 'redis',
      code: 'HEALTH_ERR_CONTRIBUTION_FAILED',
      cause: 'HEALTH_ERR_DUPLICATE_CHECK',
    })
    await startup.shutdown()
  })

  it('leaves the other owner of a taken name registered, and registers cleanly once the name is free', async () => {
    registry = createHealthRegistry({ logger: recordingLogger().logger })
    const removeOther = registry.add({ name: 'redis:memory', run: () => ({}) })
    const startup = createStartup({ name: 'svc', phases: ['cache'] })
    const redis = startup.add({ name: 'redis', phase: 'cache', start: () => 'redis' })
    const end = registry.contribute(startup, redis, () => [
      { name: 'redis:ping', run: () => ({}) },
      { name: 'redis:memory', run: () => ({}) },
    ])
    await startup.run()
    expect(names(registry)).toEqual(['redis:memory'])
    removeOther()
    end()
    registry.contribute(startup, redis, () => [
      { name: 'redis:ping', run: () => ({}) },
      { name: 'redis:memory', run: () => ({}) },
    ])
    expect(names(registry).sort()).toEqual(['redis:memory', 'redis:ping'])
    await startup.shutdown()
    expect(names(registry)).toEqual([])
  })
})
