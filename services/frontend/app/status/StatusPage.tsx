import { useEffect, useRef, useState } from 'react'
import type { ServiceStatus, StatusBoard } from '../../src/status-types.js'
import { Breakable, StatusHistory } from './StatusHistory.js'

/** How often the page re-reads the board: a few seconds apart, as the server caches it for one. */
export const STATUS_REFRESH_MS = 3_000

/** The fault model's domains, as the page says them; `unknown` is what no answer at all gives. */
const DOMAIN_LABEL: Record<string, string> = {
  infrastructure: 'Infrastructure fault',
  application: 'Application fault',
  configuration: 'Configuration fault',
  unknown: 'Cause unknown',
}

const time = (iso: string) => new Date(iso).toLocaleTimeString()
const ms = (value: number | null) =>
  value === null ? '—' : value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`

function observed(value: unknown, unit: string | null): string {
  if (value === null || value === undefined) return '—'
  const text =
    typeof value === 'number'
      ? String(Math.round(value * 10) / 10)
      : typeof value === 'string'
        ? value
        : JSON.stringify(value)
  return unit ? `${text} ${unit}` : text
}

/** The startup phases as a timeline: one bar per phase, its width its share of the whole startup. */
function Timeline({ service }: { service: ServiceStatus }) {
  const total = service.phases.reduce((sum, phase) => sum + (phase.durationMs ?? 0), 0)
  if (service.phases.length === 0) return <p className="muted">No startup report.</p>
  return (
    <ol className="timeline" aria-label={`${service.name} startup phases`}>
      {service.phases.map((phase) => {
        const share = total > 0 ? Math.max(2, Math.round(((phase.durationMs ?? 0) / total) * 100)) : 0
        return (
          <li key={phase.name} className={`phase ${phase.state}`}>
            <span className="phase-name">{phase.name}</span>
            <meter className="phase-bar" min={0} max={100} value={share} aria-hidden="true" />
            <span className="phase-detail">
              {phase.state} · {ms(phase.durationMs)}
              {phase.components
                .filter((c) => c.lastError || c.state !== 'started')
                .map((c) => (
                  <span key={c.name} className="component-note">
                    {' '}
                    · {c.name}: {c.state}
                    {c.attempts > 1 ? `, ${c.attempts} attempts` : ''}
                    {c.lastError ? ` (${c.lastError.code})` : ''}
                  </span>
                ))}
            </span>
          </li>
        )
      })}
    </ol>
  )
}

/** The collector's last 15 minutes for the service: how many cold starts, how many failed and where, connect times. */
function ColdStarts({ service }: { service: ServiceStatus }) {
  const cold = service.coldStarts
  if (!cold) return null
  const failedIn = Object.entries(cold.failedByPhase)
    .map(([phase, count]) => `${count} in ${phase}`)
    .join(', ')
  const steps = Object.entries(cold.connectMs)
  return (
    <section
      className="cold-starts"
      aria-label={`${service.name} cold starts`}
      data-testid={`cold-starts-${service.name}`}
    >
      <h3>Cold starts, last {Math.round(cold.windowMs / 60_000)} min</h3>
      <p>
        {cold.total} recorded · {cold.ready} ready · {cold.failed} failed{failedIn ? ` (${failedIn})` : ''}
        {cold.last && cold.last.outcome === 'failed' && (
          <>
            {' '}
            · last failure {time(cold.last.at)}: {cold.last.component} <code>{cold.last.code}</code>
            {cold.last.domain ? ` — ${cold.last.domain}${cold.last.layer ? `/${cold.last.layer}` : ''}` : ''}
          </>
        )}
      </p>
      {steps.length > 0 && (
        <p className="muted">
          connect p50 / p95:{' '}
          {steps.map(([step, figures]) => `${step} ${ms(figures.p50)} / ${ms(figures.p95)}`).join(' · ')}
        </p>
      )}
    </section>
  )
}

const SINCE_PREFIX = { observed: 'since', 'startup-report': 'since', 'first-seen': 'at least since' } as const

function ServiceCard({
  service,
  nowMs,
  details,
}: {
  service: ServiceStatus
  nowMs: number
  details: boolean
}) {
  return (
    <article
      id={service.name}
      className={`service ${service.status}`}
      aria-labelledby={`service-${service.name}`}
      data-service={service.name}
    >
      <header>
        <h2 id={`service-${service.name}`}>
          {service.name}{' '}
          <a className="anchor" href={`#${service.name}`} aria-label={`link to ${service.name}`}>
            #
          </a>
        </h2>
        <span className={`badge ${service.status}`} data-testid={`status-${service.name}`}>
          {service.status === 'pass' ? 'up' : service.status === 'warn' ? 'degraded' : 'down'}
        </span>
      </header>
      <p className="facts">
        {service.reachable ? `state ${service.state}` : 'not answering'}
        {service.phase && service.state === 'starting' ? `, in phase ${service.phase}` : ''} ·{' '}
        <span data-testid={`since-${service.name}`}>
          {SINCE_PREFIX[service.sinceBasis]} {time(service.since)}
        </span>
        {service.readyLatencyMs !== null && ` · ready answered in ${ms(service.readyLatencyMs)}`}
        {service.startupDurationMs !== null && ` · started in ${ms(service.startupDurationMs)}`}
      </p>
      {service.fault && (
        <div className={`fault ${service.fault.domain}`} role="alert" data-testid={`fault-${service.name}`}>
          <p>
            <strong>{DOMAIN_LABEL[service.fault.domain] ?? service.fault.domain}</strong>
            {service.fault.layer !== 'unknown' && (
              <span className="layer"> ({service.fault.layer})</span>
            )}: {service.fault.summary} <code>{service.fault.code}</code>
          </p>
          {service.fault.evidence.length > 0 && (
            <ul className="evidence" aria-label="what was seen">
              {service.fault.evidence.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <StatusHistory service={service} nowMs={nowMs} />
      {details && (
        <>
          <h3>Startup</h3>
          <Timeline service={service} />
        </>
      )}
      <ColdStarts service={service} />
      {service.checks.length > 0 && (
        <>
          <h3>Checks</h3>
          <div className="table-scroll">
            <table className="checks">
              <thead>
                <tr>
                  <th scope="col">check</th>
                  <th scope="col">status</th>
                  <th scope="col">observed</th>
                  <th scope="col">code</th>
                  <th scope="col">fault</th>
                </tr>
              </thead>
              <tbody>
                {service.checks.map((check) => (
                  <tr key={check.name} className={check.status}>
                    <th scope="row">
                      <Breakable text={check.name} />
                    </th>
                    <td>{check.status}</td>
                    <td>{observed(check.observedValue, check.observedUnit)}</td>
                    <td>{check.code ? <Breakable text={check.code} /> : ''}</td>
                    <td>{check.domain ? `${check.domain}${check.layer ? `/${check.layer}` : ''}` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </article>
  )
}

/** Every service's state, startup timeline, checks and fault class, re-read every few seconds. */
export function StatusPage() {
  const [board, setBoard] = useState<StatusBoard | null>(null)
  const [error, setError] = useState<string | null>(null)
  const scrolled = useRef(false)

  // `/status#backend` links to one service: scroll to it once the board has rendered it.
  useEffect(() => {
    if (!board || scrolled.current || location.hash.length < 2) return
    scrolled.current = true
    document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView()
  }, [board])

  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const load = async () => {
      try {
        const response = await fetch('/status/services', { headers: { accept: 'application/json' } })
        if (!response.ok) throw new Error(`status board answered ${response.status}`)
        const next = (await response.json()) as StatusBoard
        if (!stopped) {
          setBoard(next)
          setError(null)
        }
      } catch (caught) {
        if (!stopped)
          setError(caught instanceof Error ? caught.message : 'the frontend server is not answering')
      } finally {
        if (!stopped) timer = setTimeout(() => void load(), STATUS_REFRESH_MS)
      }
    }
    void load()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [])

  return (
    <main className="status">
      <h1>Status</h1>
      {error && (
        <p className="banner fail" role="alert">
          Cannot read the status board: {error}. Retrying.
        </p>
      )}
      {board && (
        <p className={`overall ${board.status}`} role="status">
          {board.status === 'pass'
            ? 'All services are up.'
            : board.status === 'warn'
              ? 'Some services are degraded.'
              : 'Some services are down.'}{' '}
          <span className="muted">
            Checked {time(board.checkedAt)}; refreshes every {STATUS_REFRESH_MS / 1000} s.
          </span>
        </p>
      )}
      {board && !board.details && (
        <p className="muted" data-testid="details-hidden">
          Each service&apos;s state only: its checks, startup, faults and figures are shown to operators (with
          the health token, or from the host itself when none is set).
        </p>
      )}
      {!board && !error && <p className="muted">Loading…</p>}
      <div className="services">
        {board?.services.map((service) => (
          <ServiceCard
            key={service.name}
            service={service}
            nowMs={Date.parse(board.checkedAt)}
            details={board.details}
          />
        ))}
      </div>
    </main>
  )
}
