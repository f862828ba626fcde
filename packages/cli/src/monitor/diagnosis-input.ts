import { redactUrl } from '@tarmac/probe'
import type {
  DependencyObservation,
  DiagnosisInput,
  Exchange,
  ServiceObservation,
} from '../diagnose/observations.js'
import type { MonitorTarget } from './monitor-targets.js'
import type { EvidenceBook } from './target-evidence.js'

/** An endpoint the monitor does not check (`monitor.endpoints`), or has no answer from yet. */
const NOT_SEEN: Exchange = Object.freeze({
  answered: false,
  errorClass: 'NOT_CHECKED',
  message: 'not checked by the monitor yet',
  latencyMs: 0,
})

/**
 * The monitor's last observations as diagnose's input: each service's last `/health/ready`, `/health/startup`
 * and `/health/infrastructure` answers, and each dependency's last probes (from where the monitor runs). What
 * the monitor does not gather — in-service probes, recorded cold starts, the database's capacity — is absent,
 * and the model weighs what there is, as `tarmac diagnose` would with those sources unavailable.
 */
export function diagnosisInputOf(
  targets: readonly MonitorTarget[],
  book: EvidenceBook,
  at: string,
): DiagnosisInput {
  const services: ServiceObservation[] = []
  const groups = [...new Set(targets.filter((t) => t.kind === 'health').map((t) => t.group))]
  for (const name of groups) {
    const own = targets.filter((t) => t.group === name && t.kind === 'health')
    const seen = (endpoint: string) => book.exchange(`${name} ${endpoint}`)
    const any = own.map((t) => book.exchange(t.id)).find((exchange) => exchange !== undefined)
    if (any === undefined) continue
    services.push({
      name,
      url: new URL(own[0]!.url!).origin,
      // Without a ready check, the service's other answer says whether it answers at all.
      ready: seen('ready') ?? any,
      startup: seen('startup') ?? NOT_SEEN,
      infrastructure: seen('infrastructure') ?? NOT_SEEN,
      probe: null,
    })
  }
  const dependencies: DependencyObservation[] = []
  for (const target of targets) {
    if (target.kind !== 'postgres' && target.kind !== 'tcp' && target.kind !== 'http') continue
    const probes = book.probes(target.id)
    if (probes.length === 0) continue
    dependencies.push({
      name: target.id,
      type: target.kind,
      target: target.url !== undefined ? redactUrl(target.url) : `${target.host}:${target.port}`,
      probes,
    })
  }
  return { at, services, coldStarts: null, dependencies, capacity: null }
}
