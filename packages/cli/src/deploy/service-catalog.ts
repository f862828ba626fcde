/**
 * Tarmac's own services as `tarmac deploy render` deploys them: ports and health paths from the design's
 * contracts, which environment variables are plain configuration and which are secrets. Data only: the CLI
 * talks to services over HTTP and never imports them.
 */
export const RENDERED_SERVICES = ['backend', 'auth', 'frontend'] as const
export type RenderedService = (typeof RENDERED_SERVICES)[number]

/** A secret the service reads: the Kubernetes Secret key / the Secret Manager secret holding it. */
export interface SecretVariable {
  readonly variable: string
  /** Kubernetes: a key of the `tarmac-secrets` Secret. Cloud Run: the secret `tarmac-<key>`, version latest. */
  readonly key: string
  /** Kubernetes: absent → the variable stays unset (`optional: true`). */
  readonly optional: boolean
  /**
   * Rendered on Cloud Run (Secret Manager references cannot be optional there). The tokens are: services on
   * other hosts send cold-start reports and read health details only with them.
   */
  readonly cloudRun: boolean
}

export interface ServiceSpec {
  readonly port: number
  /** Long-lived WebSockets: Cloud Run's request timeout bounds a socket's life. */
  readonly requestTimeoutSeconds: number
  /** Public behind the load balancer (frontend), or reached from the frontend only. */
  readonly public: boolean
  /** Reads STARTUP_DEADLINE_MS, PLATFORM_STARTUP_WINDOW_MS and DRAIN_DELAY_MS (backend and auth). */
  readonly startupEnv: boolean
  readonly secrets: readonly SecretVariable[]
}

const healthToken: SecretVariable = {
  variable: 'HEALTH_TOKEN',
  key: 'health-token',
  optional: true,
  cloudRun: true,
}
/**
 * The cold-start collector's secret: the frontend's `STARTUP_REPORT_TOKEN`, and only the frontend's. Whoever holds
 * it can derive every service's credential (docs/security.md, "The cold-start collector").
 */
export const STARTUP_REPORT_SECRET_KEY = 'startup-report-token'
/** The services that send cold-start reports to the frontend's collector, each with a credential of its own. */
export const STARTUP_REPORT_SENDERS = ['backend', 'auth'] as const satisfies readonly RenderedService[]
export type StartupReportSender = (typeof STARTUP_REPORT_SENDERS)[number]
/**
 * A sender's own collector credential `tsr1.<service>.<mac>` (`tarmac deploy credentials --service <service>`):
 * its `STARTUP_REPORT_TOKEN`, under a key of its own, so a service never holds the secret nor another's credential.
 */
export const startupReportCredentialKey = (service: StartupReportSender) =>
  `startup-report-credential-${service}`
const startupReport = (key: string): SecretVariable => ({
  variable: 'STARTUP_REPORT_TOKEN',
  key,
  optional: true,
  cloudRun: true,
})
const database = (service: string): readonly SecretVariable[] => [
  { variable: 'DATABASE_URL', key: `${service}-database-url`, optional: false, cloudRun: true },
  {
    variable: 'DATABASE_MIGRATION_URL',
    key: `${service}-database-migration-url`,
    optional: true,
    cloudRun: false,
  },
]

export const SERVICE_SPECS: Readonly<Record<RenderedService, ServiceSpec>> = {
  backend: {
    port: 8000,
    requestTimeoutSeconds: 3_600,
    public: false,
    startupEnv: true,
    secrets: [
      ...database('backend'),
      healthToken,
      startupReport(startupReportCredentialKey('backend')),
      { variable: 'OPENAI_API_KEY', key: 'openai-api-key', optional: true, cloudRun: false },
    ],
  },
  auth: {
    port: 8001,
    requestTimeoutSeconds: 60,
    public: false,
    startupEnv: true,
    secrets: [...database('auth'), healthToken, startupReport(startupReportCredentialKey('auth'))],
  },
  frontend: {
    port: 3000,
    requestTimeoutSeconds: 3_600,
    public: true,
    startupEnv: false,
    secrets: [healthToken, startupReport(STARTUP_REPORT_SECRET_KEY)],
  },
}

export const isRenderedService = (name: string): name is RenderedService =>
  (RENDERED_SERVICES as readonly string[]).includes(name)
