import type { ServiceStatus, Status } from '../../src/status-types.js'

const STATUS_WORD: Record<Status, string> = { pass: 'up', warn: 'degraded', fail: 'down' }
const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })

/**
 * The service's last 24 hours: a bar of its status over time (each change a segment, grey before the first one
 * this frontend saw) with the cold starts the collector recorded as ticks, then the changes and failed cold
 * starts as a list, newest first.
 */
export function StatusHistory({ service, nowMs }: { service: ServiceStatus; nowMs: number }) {
  const { windowMs, changes, coldStarts } = service.timeline
  const fromMs = nowMs - windowMs
  const share = (ms: number) => `${(Math.max(0, Math.min(ms, windowMs)) / windowMs) * 100}%`
  const segments = changes.map((change, i) => {
    const startMs = Math.max(fromMs, Date.parse(change.at))
    const endMs = i + 1 < changes.length ? Date.parse(changes[i + 1]!.at) : nowMs
    return { change, left: share(startMs - fromMs), width: share(endMs - startMs) }
  })
  const events = [
    ...changes.map((c) => ({
      at: c.at,
      key: `change-${c.at}`,
      text: `${STATUS_WORD[c.status]} (${c.state})${c.code ? ` · ${c.code}` : ''}${c.basis === 'first-seen' ? ' · first seen' : ''}`,
      className: c.status,
    })),
    ...coldStarts
      .filter((c) => c.outcome === 'failed')
      .map((c) => ({
        at: c.at,
        key: `cold-${c.at}`,
        text: `cold start failed${c.phase ? ` in ${c.phase}` : ''}${c.code ? ` · ${c.code}` : ''}`,
        className: 'fail',
      })),
  ].sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
  return (
    <section
      className="history"
      aria-label={`${service.name}, last 24 hours`}
      data-testid={`history-${service.name}`}
    >
      <h3>Last 24 hours</h3>
      <div className="history-bar" role="img" aria-label={`${service.name} status over the last 24 hours`}>
        {segments.map(({ change, left, width }) => (
          <span key={change.at} className={`segment ${change.status}`} style={{ left, width }} />
        ))}
        {coldStarts.map((c) => (
          <span
            key={c.at}
            className={`tick ${c.outcome}`}
            style={{ left: share(Date.parse(c.at) - fromMs) }}
            title={`cold start ${c.outcome} ${clock(c.at)}`}
          />
        ))}
      </div>
      <p className="history-axis muted" aria-hidden="true">
        <span>{clock(new Date(fromMs).toISOString())}</span>
        <span>now</span>
      </p>
      {events.length > 0 && (
        <ol className="history-events">
          {events.slice(0, 8).map((event) => (
            <li key={event.key} className={event.className}>
              <time dateTime={event.at}>{clock(event.at)}</time> {event.text}
            </li>
          ))}
        </ol>
      )}
      <p className="muted">
        {coldStarts.length} cold start{coldStarts.length === 1 ? '' : 's'} recorded in 24 h
      </p>
    </section>
  )
}

/** A check name or code that may wrap after `:` or `_` and between camelCase words, never inside a word. */
export function Breakable({ text }: { text: string }) {
  const parts = text.split(/(?<=[:_])|(?<=[a-z])(?=[A-Z])/)
  return (
    <>
      {parts.map((part, i) => (
        <span key={i}>
          {i > 0 && <wbr />}
          {part}
        </span>
      ))}
    </>
  )
}
