// Admission with the embedded default: DATABASE_URL unset → PGlite under .tarmac/pgdata.
// Run: npx tsx --conditions=@tarmac/source packages/postgres/examples/admission.ts
import { createStartup } from '@tarmac/startup'
import { addPostgresDatabase } from '@tarmac/postgres'

const startup = createStartup({ name: 'example', phases: ['database'], deadlineMs: 120_000 })
const database = addPostgresDatabase(startup, {
  url: process.env.DATABASE_URL,
  dataDir: '.tarmac/pgdata',
  applicationName: 'example',
  migrations: [{ name: '0001_greetings.sql', sql: 'create table if not exists greetings (text text)' }],
  pool: { max: 5 },
})
try {
  await startup.run()
  const db = database.postgres.get()
  console.log('admission', JSON.stringify(db.admission, null, 2))
  await db.pool.query('insert into greetings values ($1)', ['hello'])
  console.log('pool', db.poolStats())
  console.log('capacity', await db.capacity())
} finally {
  await startup.shutdown('example done')
}
