import { z } from 'zod'
import { CLI_DEFAULTS } from '../options.js'

/** The kinds of check a criteria file can hold. */
export const CHECK_TYPES = ['http', 'startup-phase', 'db-connect', 'chat'] as const
export type CheckType = (typeof CHECK_TYPES)[number]

/** Conditions on a value found at a JSON path. */
const condition = z
  .strictObject({
    path: z.string().min(1),
    equals: z.unknown().optional(),
    notEquals: z.unknown().optional(),
    in: z.array(z.unknown()).optional(),
    exists: z.boolean().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    matches: z.string().optional(),
  })
  .refine((c) => Object.keys(c).length > 1, { message: 'a condition needs at least one test besides path' })

const common = {
  name: z.string().min(1),
  critical: z.boolean().default(false),
  /** How many samples; "consistently" means every sample passes and the percentile is within the bound. */
  samples: z.number().int().min(1).max(10_000).optional(),
  percentile: z.number().gt(0).max(100).optional(),
  /** The bound on the percentile of the measured time (response, phase or connection time). */
  maxMs: z.number().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  intervalMs: z.number().int().min(0).optional(),
  /**
   * Skipped (reported, not counted) when the config has no service by the check's `service` name: the shipped
   * criteria name the frontend, which a config of backend and auth alone does not have.
   */
  ifConfigured: z.boolean().default(false),
}
const target = { service: z.string().optional(), url: z.url().optional() }

const httpCheck = z.strictObject({
  type: z.literal('http'),
  ...common,
  ...target,
  path: z.string().startsWith('/').optional(),
  method: z
    .string()
    .regex(/^[A-Z]+$/)
    .default('GET'),
  status: z.union([z.number().int(), z.array(z.number().int()).min(1)]).default(200),
  json: z.array(condition).default([]),
})
const startupPhaseCheck = z.strictObject({
  type: z.literal('startup-phase'),
  ...common,
  ...target,
  phase: z.string().min(1),
})
const dbConnectCheck = z.strictObject({
  type: z.literal('db-connect'),
  ...common,
  /** Fresh connects from inside this service (its in-service probe: the connector is on its path)… */
  service: z.string().optional(),
  /** …or probe a dependency of the config, or a URL, directly. */
  dependency: z.string().optional(),
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
})
const chatCheck = z.strictObject({
  type: z.literal('chat'),
  ...common,
  service: z.string().default('backend'),
  authService: z.string().optional(),
  text: z.string().min(1).default('tarmac validate: say hello'),
})

export const checkSchema = z.discriminatedUnion('type', [
  httpCheck,
  startupPhaseCheck,
  dbConnectCheck,
  chatCheck,
])

/** The schema of a criteria file. */
export const criteriaSchema = z.strictObject({
  /** The share of checks that must pass, 0..1. */
  threshold: z.number().min(0).max(1).default(CLI_DEFAULTS.validate.threshold),
  samples: z.number().int().min(1).max(10_000).default(CLI_DEFAULTS.validate.samples),
  percentile: z.number().gt(0).max(100).default(CLI_DEFAULTS.validate.percentile),
  timeoutMs: z.number().int().positive().default(CLI_DEFAULTS.validate.timeoutMs),
  intervalMs: z.number().int().min(0).default(CLI_DEFAULTS.validate.sampleIntervalMs),
  categories: z
    .array(z.strictObject({ name: z.string().min(1), checks: z.array(checkSchema).min(1) }))
    .min(1, 'name at least one category'),
})

export type Criteria = z.output<typeof criteriaSchema>
export type CriteriaCheck = z.output<typeof checkSchema>
export type JsonCondition = z.output<typeof condition>
