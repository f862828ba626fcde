import type { ColdStartSummary, ColdStartsBody } from '@tarmac/protocol'
import type { TarmacConfig } from '../config/config-schema.js'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import type { Paint } from '../style.js'

/** The collector's summary: per service, the cold starts of the last 15 minutes. Null without a collector. */
export async function readColdStarts(
  config: TarmacConfig,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<
  { collector: string; services: readonly ColdStartSummary[] } | { collector: string; error: string } | null
> {
  const name = config.collector ?? (config.services.frontend ? 'frontend' : undefined)
  const collector = name === undefined ? undefined : config.services[name]
  if (!name || !collector) return null
  // With the collector's health token, the detailed view (the last failure's instance and time, connect timings);
  // without it, the public one (counts, phases, codes).
  const token = collector.tokenEnv === undefined ? undefined : env[collector.tokenEnv] || undefined
  const response = await fetchHealth(new URL('/status/cold-starts', collector.url).toString(), {
    timeoutMs,
    ...(token !== undefined && { token }),
  })
  if (isFetchFailure(response))
    return { collector: name, error: `${response.failure.class}: ${response.failure.message}` }
  const services = (response.body as Partial<ColdStartsBody> | undefined)?.services
  if (response.status !== 200 || !Array.isArray(services))
    return { collector: name, error: `HTTP ${response.status}` }
  return { collector: name, services }
}

const duration = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`)

/** Lines under the monitor's table: per service, cold starts, failures by phase, the last failure, connect times. */
export function renderColdStarts(summary: Awaited<ReturnType<typeof readColdStarts>>, paint: Paint): string {
  if (summary === null) return ''
  if ('error' in summary)
    return `${paint('dim', `cold starts: the collector (${summary.collector}) did not answer: ${summary.error}`)}\n`
  if (summary.services.length === 0)
    return `${paint('dim', `cold starts: none recorded by ${summary.collector}`)}\n`
  const minutes = Math.round((summary.services[0]?.windowMs ?? 900_000) / 60_000)
  const lines = [`COLD STARTS (last ${minutes} min, recorded by ${summary.collector})`]
  for (const s of summary.services) {
    const phases = Object.entries(s.failedByPhase)
      .map(([phase, n]) => `${n} in ${phase}`)
      .join(', ')
    const last = s.lastFailure
    const lastText = last
      ? ` · last failure ${last.causeCode ?? last.code}${last.domain ? ` [${last.domain}/${last.layer ?? '?'}]` : ''}${last.at ? ` at ${last.at}` : ''}`
      : ''
    const connect = Object.entries(s.connectMs)
      .map(([step, figures]) => `${step} ${duration(figures.p50)}/${duration(figures.p95)}`)
      .join(', ')
    lines.push(
      `  ${s.service.padEnd(10)} ${s.total} recorded · ${s.ready} ready · ${s.failed > 0 ? paint('red', `${s.failed} failed`) : '0 failed'}${phases ? ` (${phases})` : ''}${lastText}`,
      ...(connect ? [paint('dim', `  ${''.padEnd(10)} connect p50/p95: ${connect}`)] : []),
    )
  }
  return `${lines.join('\n')}\n`
}
