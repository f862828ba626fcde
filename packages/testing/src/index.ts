export { createTestDatabase, ADMIN_DATABASE_URL } from './test-database.js'
export type { TestDatabase } from './test-database.js'
export { getFreePort } from './free-port.js'
