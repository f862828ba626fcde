import { z } from 'zod'

/** The `deploy:` section of tarmac.yaml: what `tarmac deploy render` needs beyond the fleet's budgets. */
export const renderSchema = z.strictObject({
  /** Images are `<registry>/<service>:<tag>` (a Kubernetes overlay may retag them with `images:`). */
  registry: z.string().min(1).default('tarmac'),
  /**
   * The release the images are named by. Usually left out: `--tag`, else the commit (`git rev-parse --short
   * HEAD`), so what runs can be traced to a build. `latest` is refused by `tarmac deploy check`.
   */
  tag: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'an image tag (letters, digits, _ . -; at most 128)')
    .optional(),
  /** `RELEASE_ID` of every service: in every health document and cold-start record. Default: the tag. */
  releaseId: z.string().min(1).optional(),
  /**
   * The Cloud SQL instance, by its connection name `PROJECT:REGION:INSTANCE`: `tarmac deploy verify` reads its
   * tier and `max_connections`; on Cloud Run, `database: direct` services get it mounted at
   * `/cloudsql/<connectionName>` (`run.googleapis.com/cloudsql-instances`).
   */
  cloudSql: z
    .strictObject({
      connectionName: z
        .string()
        .regex(/^(?:[^:\s]+:)?[^:\s]+:[a-z0-9-]+:[^:\s]+$/, 'a connection name PROJECT:REGION:INSTANCE'),
    })
    .optional(),
  kubernetes: z
    .strictObject({
      namespace: z
        .string()
        .regex(/^[a-z0-9-]+$/, 'a Kubernetes namespace')
        .default('tarmac'),
    })
    .default({ namespace: 'tarmac' }),
  cloudRun: z
    .strictObject({
      /** `projects/P/locations/R/connectors/NAME`. */
      vpcConnector: z.string().min(1),
      vpcEgress: z.enum(['private-ranges-only', 'all-traffic']).default('private-ranges-only'),
      /** The services' HTTPS URLs once deployed (frontend → backend and auth, cold-start reports). */
      urls: z.strictObject({
        backend: z.url({ protocol: /^https?$/ }),
        auth: z.url({ protocol: /^https?$/ }),
        frontend: z.url({ protocol: /^https?$/ }),
      }),
      /** Memorystore (or any Redis) the backends fan run events out through, reached over the connector. */
      redisUrl: z.string().regex(/^rediss?:\/\//, 'a redis:// URL'),
      serviceAccount: z.string().min(1).optional(),
    })
    .optional(),
})

export type RenderConfig = z.output<typeof renderSchema>

/** The `deploy:` section with the release resolved (`resolveRelease`): what the renderers take. */
export interface ResolvedRender extends Omit<RenderConfig, 'tag' | 'releaseId'> {
  readonly tag: string
  readonly releaseId: string
}
