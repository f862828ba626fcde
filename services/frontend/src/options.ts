import { fileURLToPath } from 'node:url'
import {
  durationMs,
  healthToken,
  loadConfig,
  logLevel,
  nodeEnv,
  port,
  trustProxy,
  urlWith,
} from '@tarmac/service'
import { z } from 'zod'

/** The frontend's environment. Nothing here is a database: the frontend starts and stays up without one. */
export const frontendConfigSchema = z.object({
  PORT: port(3000),
  HOST: z.string().default('0.0.0.0'),
  BACKEND_URL: urlWith('http:', 'https:').default('http://127.0.0.1:8000'),
  /**
   * Several backends, comma-separated (e.g. what `tarmac up --backends 3` starts): `/api` and `/ws` are balanced
   * across them by undici's BalancedPool, and the status board shows each as `backend-1`, `backend-2`…
   * Overrides `BACKEND_URL`. Run events reach every instance's sockets only through Redis (`REDIS_URL`).
   */
  BACKEND_URLS: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((url) => url.trim())
        .filter(Boolean),
    )
    .pipe(z.array(urlWith('http:', 'https:')).min(1, 'must list at least one URL'))
    .optional(),
  AUTH_URL: urlWith('http:', 'https:').default('http://127.0.0.1:8001'),
  /**
   * Sent to backend and auth health endpoints so the status board gets details; also what a caller needs for the
   * board's details, the frontend's own health details and `/metrics`. At least 16 characters.
   */
  HEALTH_TOKEN: healthToken,
  /**
   * Which proxies in front of the frontend may say who the client is (`x-forwarded-for`): `loopback` (default),
   * a hop count (`1` behind one load balancer), CIDRs, or `none`. The frontend forwards the client address it
   * concluded, never the one a client claimed, to backend and auth, whose rate limits key on it.
   */
  TRUST_PROXY: trustProxy,
  /**
   * The cold-start collector's secret: each service sends its startup reports with its own credential derived
   * from it (`tsr1.<service>.<mac>`, `deriveStartupReportCredential` in @tarmac/service), and its records are filed
   * under that service. Unset: only senders on loopback are accepted (a local stack).
   */
  STARTUP_REPORT_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * The cold-start collector's shared store: with it, every frontend writes and reads the same records (bounded,
   * expiring); unset, each frontend keeps its own in memory.
   */
  REDIS_URL: urlWith('redis:', 'rediss:').optional(),
  /** Per health request the status board makes. */
  STATUS_TIMEOUT_MS: durationMs(2_000),
  /** How often the status board reads every service in the background (its state changes and "since"). */
  STATUS_POLL_MS: durationMs(5_000),
  /** The built app; default `dist/public` beside this package. */
  PUBLIC_DIR: z.string().optional(),
  LOG_LEVEL: logLevel,
  NODE_ENV: nodeEnv,
})

export type FrontendConfig = Readonly<z.infer<typeof frontendConfigSchema>>

/** Where `vite build` puts the app: `services/frontend/dist/public`, from `src/` and from `dist/` alike. */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../dist/public', import.meta.url))

/** Reads and validates the environment once; throws `ConfigError` naming every bad variable. */
export function loadFrontendConfig(env: Record<string, string | undefined> = process.env): FrontendConfig {
  return loadConfig(frontendConfigSchema, env)
}

/** One backend instance the frontend talks to: `backend` alone, or `backend-1`, `backend-2`… of several. */
export interface BackendInstance {
  readonly name: string
  readonly url: string
}

/** The backends of a config: `BACKEND_URLS` when set (numbered), else `BACKEND_URL` as `backend`. */
export function backendInstances(
  config: Pick<FrontendConfig, 'BACKEND_URL' | 'BACKEND_URLS'>,
): BackendInstance[] {
  const urls = config.BACKEND_URLS ?? [config.BACKEND_URL]
  return urls.length === 1
    ? [{ name: 'backend', url: urls[0]! }]
    : urls.map((url, index) => ({ name: `backend-${index + 1}`, url }))
}
