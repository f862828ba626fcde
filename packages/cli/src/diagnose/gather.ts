import { capacity as readCapacity, connect, PostgresError } from '@tarmac/postgres'
import { probeHttp, probePostgres, probeTcp, redactUrl, type ProbeResult } from '@tarmac/probe'
import type { DependencyConfig, ServiceConfig, TarmacConfig } from '../config/config-schema.js'
import { fetchHealth, isFetchFailure, type HealthFetchOptions } from '../health/health-fetch.js'
import type {
  CapacityObservation,
  ColdStartObservation,
  ColdStartSummaryObservation,
  DependencyObservation,
  DiagnosisInput,
  Exchange,
  PlatformObservation,
  RecordedColdStart,
  ServiceObservation,
  SupervisorObservation,
  UnreadableCapacity,
} from './observations.js'
import { readSupervisorFacts } from '../up/supervisor-facts.js'

export interface GatherOptions {
  readonly env: NodeJS.ProcessEnv
  /** Fresh connects per in-service probe. */
  readonly connects: number
  /** Per request; a probe's connects get it too. */
  readonly timeoutMs: number
  /** How far back recorded cold starts count. */
  readonly windowMs: number
  /** Direct probes per dependency. */
  readonly dependencyProbes: number
  /** `--platform`: reads the platform and holds it to the plan; never rejects (a refusal is an observation). */
  readonly platform?: () => Promise<PlatformObservation>
  /** `tarmac up`'s facts file on this machine (`--supervisor-facts`); read when it exists. */
  readonly supervisorFacts?: string
  readonly signal?: AbortSignal
}

/** `tarmac up`'s facts, each supervised service under its name in tarmac.yaml (matched by URL). */
export function observeSupervisor(config: TarmacConfig, path: string): SupervisorObservation | null {
  const read = readSupervisorFacts(path)
  if (read === null) return null
  const source = `tarmac up (${path})`
  if ('unreadable' in read) return { source, unavailable: read.unreadable }
  // up writes 127.0.0.1; a tarmac.yaml may say localhost for the same process.
  const origin = (url: string) => {
    try {
      const parsed = new URL(url)
      if (parsed.hostname === 'localhost' || parsed.hostname === '[::1]') parsed.hostname = '127.0.0.1'
      return parsed.origin
    } catch {
      return url
    }
  }
  const supervised = Object.entries(read.facts.services)
  const services = Object.fromEntries(
    Object.entries(config.services).flatMap(([name, service]) => {
      // By URL only: a service of the same name elsewhere is another process.
      const match = supervised.find(([, facts]) => origin(facts.url) === origin(service.url))
      return match ? [[name, match[1]]] : []
    }),
  )
  return { source, upRunning: read.upRunning, writtenAt: read.facts.writtenAt, services }
}

async function exchange(url: string, options: HealthFetchOptions): Promise<Exchange> {
  const response = await fetchHealth(url, options)
  if (isFetchFailure(response))
    return {
      answered: false,
      errorClass: response.failure.class,
      message: response.failure.message,
      latencyMs: response.latencyMs,
    }
  return {
    answered: true,
    status: response.status,
    latencyMs: response.latencyMs,
    body: response.body,
    headers: response.headers,
  }
}

const tokenOf = (service: ServiceConfig, env: NodeJS.ProcessEnv) =>
  service.tokenEnv === undefined ? undefined : env[service.tokenEnv] || undefined

async function observeService(
  name: string,
  service: ServiceConfig,
  options: GatherOptions,
): Promise<ServiceObservation> {
  const token = tokenOf(service, options.env)
  const base = { timeoutMs: options.timeoutMs, token, ...(options.signal && { signal: options.signal }) }
  const path = (endpoint: 'ready' | 'startup' | 'infrastructure') =>
    new URL(service.health[endpoint] ?? `/health/${endpoint}`, service.url).toString()
  const [ready, startup, infrastructure] = await Promise.all([
    exchange(path('ready'), base),
    exchange(path('startup'), base),
    exchange(path('infrastructure'), base),
  ])
  // The in-service probe only makes sense for a service that answers at all.
  let probe: Exchange | null = null
  if (ready.answered) {
    const url = new URL('/health/probe/postgres', service.url)
    url.search = new URLSearchParams({
      connects: String(options.connects),
      timeoutMs: String(Math.min(options.timeoutMs, 30_000)),
    }).toString()
    probe = await exchange(url.toString(), { ...base, method: 'POST', timeoutMs: options.timeoutMs + 5_000 })
  }
  return { name, url: service.url, ready, startup, infrastructure, probe }
}

type Json = Record<string, unknown>
const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null
const str = (value: unknown) => (typeof value === 'string' ? value : null)

/** A collector record (`GET /startup-reports`) reduced to what a verdict needs. */
function recordedColdStart(record: Json): RecordedColdStart | undefined {
  const report = isJson(record.report) ? record.report : undefined
  if (!report || (record.outcome !== 'ready' && record.outcome !== 'failed')) return undefined
  const failure = isJson(report.failure) ? report.failure : undefined
  const components = (Array.isArray(report.phases) ? report.phases : [])
    .filter(isJson)
    .flatMap((phase) => (Array.isArray(phase.components) ? phase.components.filter(isJson) : []))
  const failing = components.find((component) => component.name === failure?.component)
  const attempts = (Array.isArray(failing?.errors) ? failing.errors : []).filter(isJson).map((error) => ({
    code: str(error.code) ?? 'UNKNOWN',
    ...(str(error.domain) && { domain: str(error.domain)! }),
    ...(str(error.layer) && { layer: str(error.layer)! }),
    ...(isJson(error.evidence) && { evidence: error.evidence }),
  }))
  const cause = isJson(failure?.cause) ? failure.cause : undefined
  return {
    service: str(record.service) ?? '?',
    instance: str(record.instance) ?? '?',
    outcome: record.outcome,
    at: str(record.sentAt) ?? '',
    phase: str(failure?.phase),
    component: str(failure?.component),
    code: str(failure?.code),
    causeCode: str(cause?.code),
    domain: str(failure?.domain),
    layer: str(failure?.layer),
    message: str(failure?.message),
    attempts,
  }
}

/** One service's line of the public summary, reduced to what a verdict needs. */
function summaryOf(entry: Json): ColdStartSummaryObservation | undefined {
  const service = str(entry.service)
  if (service === null || typeof entry.failed !== 'number') return undefined
  const byPhase = isJson(entry.failedByPhase) ? entry.failedByPhase : {}
  const last = isJson(entry.lastFailure) ? entry.lastFailure : null
  return {
    service,
    failed: entry.failed,
    failedByPhase: Object.fromEntries(
      Object.entries(byPhase).filter((pair): pair is [string, number] => typeof pair[1] === 'number'),
    ),
    lastFailure:
      last && str(last.code) && str(last.phase)
        ? {
            at: str(last.at) ?? '',
            phase: str(last.phase)!,
            component: str(last.component) ?? '?',
            code: str(last.code)!,
            causeCode: str(last.causeCode),
            domain: str(last.domain),
            layer: str(last.layer),
          }
        : null,
  }
}

async function observeColdStarts(
  config: TarmacConfig,
  options: GatherOptions,
): Promise<ColdStartObservation | null> {
  const name = config.collector ?? (config.services.frontend ? 'frontend' : undefined)
  const collector = name === undefined ? undefined : config.services[name]
  if (!collector) return null
  const source = `${name} GET /startup-reports`
  const base = { source, windowMs: options.windowMs }
  const token = tokenOf(collector, options.env)
  const sinceMs = String(Date.now() - options.windowMs)
  const records: Record<string, unknown>[] = []
  let cursor: string | undefined
  // Every page of the window, newest first, up to MAX_COLLECTOR_PAGES (a fleet-wide storm is many records).
  for (let page = 0; page < MAX_COLLECTOR_PAGES; page++) {
    const url = new URL('/startup-reports', collector.url)
    url.search = new URLSearchParams({ sinceMs, limit: '100', ...(cursor && { cursor }) }).toString()
    const response = await exchange(url.toString(), { timeoutMs: options.timeoutMs, token })
    if (!response.answered) {
      if (page > 0) break // what the first pages held is still evidence
      return { ...base, records: [], unavailable: `${response.errorClass}: ${response.message}` }
    }
    const body = isJson(response.body) ? response.body : undefined
    const pageRecords = body && Array.isArray(body.records) ? body.records : null
    if (response.status !== 200 || pageRecords === null) {
      if (page > 0) break
      return { ...base, records: [], ...(await publicSummaries(collector.url, response.status, options)) }
    }
    records.push(...pageRecords.filter(isJson))
    cursor = typeof body?.nextCursor === 'string' ? body.nextCursor : undefined
    if (cursor === undefined) break
  }
  return { ...base, records: records.flatMap((record) => recordedColdStart(record) ?? []) }
}

/** At most this many pages of 100 records are read from the collector. */
const MAX_COLLECTOR_PAGES = 10

/** Without the collector's health token: the public summary (counts by phase and the newest failure's code). */
async function publicSummaries(
  collectorUrl: string,
  status: number,
  options: GatherOptions,
): Promise<Pick<ColdStartObservation, 'unavailable' | 'summaries'>> {
  const summary = new URL('/status/cold-starts', collectorUrl)
  summary.search = new URLSearchParams({ windowMs: String(Math.max(60_000, options.windowMs)) }).toString()
  const answer = await exchange(summary.toString(), { timeoutMs: options.timeoutMs })
  const services =
    answer.answered && answer.status === 200 && isJson(answer.body) && Array.isArray(answer.body.services)
      ? answer.body.services.filter(isJson)
      : []
  return {
    unavailable: `HTTP ${status} (give diagnose the collector's health token)`,
    ...(services.length > 0 && { summaries: services.flatMap((entry) => summaryOf(entry) ?? []) }),
  }
}

async function observeDependency(
  name: string,
  dependency: DependencyConfig,
  options: GatherOptions,
): Promise<DependencyObservation> {
  const timeoutMs = options.timeoutMs
  const times = Array.from({ length: options.dependencyProbes })
  let probes: ProbeResult[]
  if (dependency.type === 'postgres') {
    // One at a time: on a full database these take the superuser's reserved slots, and there may be few.
    probes = []
    for (const _ of times) probes.push(await probePostgres(dependency.url, { timeoutMs }))
  } else if (dependency.type === 'tcp')
    probes = await Promise.all(
      times.map(() => probeTcp({ host: dependency.host, port: dependency.port }, { timeoutMs })),
    )
  else probes = [await probeHttp(dependency.url, { timeoutMs })]
  const target =
    dependency.type === 'tcp' ? `${dependency.host}:${dependency.port}` : redactUrl(dependency.url)
  return { name, type: dependency.type, target, probes }
}

async function observeCapacity(
  config: TarmacConfig,
  options: GatherOptions,
): Promise<CapacityObservation | UnreadableCapacity | null> {
  const entry = Object.entries(config.dependencies).find(([, dependency]) => dependency.type === 'postgres')
  if (!entry || entry[1].type !== 'postgres') return null
  try {
    const { client } = await connect(entry[1].url, {
      timeoutMs: options.timeoutMs,
      applicationName: 'tarmac-diagnose',
    })
    try {
      const facts = await readCapacity(client)
      return {
        dependency: entry[0],
        maxConnections: facts.maxConnections,
        reserved: facts.reserved.total,
        inUse: facts.inUse,
        available: facts.available,
        byApplication: facts.byApplication,
        embedded: facts.embedded,
      }
    } finally {
      await client.end().catch(() => undefined)
    }
  } catch (error) {
    // Not being let in is evidence too (53300 on a full database); anything else the probes explain.
    // PostgresError messages carry no password; anything else is summarised by its name only.
    const unreadable =
      error instanceof PostgresError
        ? { code: error.code, message: error.message }
        : { code: 'UNKNOWN', message: error instanceof Error ? error.name : 'unknown error' }
    return { dependency: entry[0], unreadable }
  }
}

/**
 * Looks at everything at once: each service's ready, startup and infrastructure documents and its in-service
 * probe, the collector's recorded cold starts, each dependency from here, the database's capacity, and (with
 * `--platform`) the platform's settings against the plan. Never throws for what it finds; every failure is an
 * observation.
 */
export async function gather(config: TarmacConfig, options: GatherOptions): Promise<DiagnosisInput> {
  const at = new Date().toISOString()
  const [services, coldStarts, { dependencies, capacity }, platform] = await Promise.all([
    Promise.all(
      Object.entries(config.services).map(([name, service]) => observeService(name, service, options)),
    ),
    observeColdStarts(config, options),
    // Capacity first, alone: on a full database it may need the last reserved slot the probes would take.
    observeCapacity(config, options).then(async (capacity) => ({
      capacity,
      dependencies: await Promise.all(
        Object.entries(config.dependencies).map(([name, dependency]) =>
          observeDependency(name, dependency, options),
        ),
      ),
    })),
    options.platform ? options.platform() : Promise.resolve(null),
  ])
  const supervisor =
    options.supervisorFacts === undefined ? null : observeSupervisor(config, options.supervisorFacts)
  return { at, services, coldStarts, dependencies, capacity, platform, supervisor }
}
