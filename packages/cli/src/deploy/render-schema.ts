import { z } from 'zod'

/** The `deploy:` section of tarmac.yaml: what `tarmac deploy render` needs beyond the fleet's budgets. */
export const renderSchema = z.strictObject({
  /** Images are `<registry>/<service>:<tag>` (a Kubernetes overlay may retag them with `images:`). */
  registry: z.string().min(1).default('tarmac'),
  tag: z.string().min(1).default('latest'),
  /** `RELEASE_ID` of every service: in every health document and cold-start record. */
  releaseId: z.string().min(1).default('dev'),
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
