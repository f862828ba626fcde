import { inject } from 'vitest'

// Vitest `setupFiles` entry: runs in each worker before a test file is imported, so the URLs global-setup.ts
// provisioned are in process.env for the file and every process it spawns.
process.env.TEST_PG_ADMIN_URL = inject('TEST_PG_ADMIN_URL')
process.env.TEST_REDIS_URL = inject('TEST_REDIS_URL')
