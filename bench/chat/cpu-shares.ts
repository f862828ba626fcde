import { readdirSync, readFileSync } from 'node:fs'
import { cpuMsOf } from '../startup-storm/fleet.js'

/** CPU of every `postgres` process on the machine (the bench's server and anyone else's), in ms. */
function postgresCpuMs(): number {
  let total = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim()
      if (comm === 'postgres') total += cpuMsOf(Number(entry)) ?? 0
    } catch {
      // the process ended while we looked
    }
  }
  return total
}

/** Where the CPU went while something ran: the backend, this load generator, Postgres, as % of one core. */
export interface CpuShares {
  readonly backendPct: number
  readonly generatorPct: number
  readonly postgresPct: number
}

/** Starts counting; the returned function gives the shares since then. */
export function countCpu(backendPid: number): () => CpuShares {
  const startedMs = performance.now()
  const backend = cpuMsOf(backendPid) ?? 0
  const generator = process.cpuUsage()
  const postgres = postgresCpuMs()
  return () => {
    const wallMs = performance.now() - startedMs
    const generatorUsage = process.cpuUsage(generator)
    const pct = (ms: number) => Math.round((ms / wallMs) * 100)
    return {
      backendPct: pct((cpuMsOf(backendPid) ?? backend) - backend),
      generatorPct: pct((generatorUsage.user + generatorUsage.system) / 1000),
      postgresPct: pct(postgresCpuMs() - postgres),
    }
  }
}
