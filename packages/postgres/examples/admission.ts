// Admission with the embedded default: DATABASE_URL unset → PGlite under .tarmac/pgdata.
// Run: npx tsx --conditions=@tarmac/source packages/postgres/examples/admission.ts
import { createStartup } from '@tarmac/startup'
import { createPostgresAdmission, startEmbeddedPostgres, type PostgresHandle } from '@tarmac/postgres'

const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres()
const url = process.env.DATABASE_URL ?? embedded!.url

const startup = createStartup({ name: 'example', phases: ['database'], deadlineMs: 120_000 })
startup.add(
  createPostgresAdmission({
    url,
    applicationName: 'example',
    migrations: [{ name: '0001_greetings.sql', sql: 'create table if not exists greetings (text text)' }],
    pool: { max: 5 },
  }),
)
try {
  await startup.run()
  const db = startup.resource<PostgresHandle>('postgres')!
  console.log('admission', JSON.stringify(db.admission, null, 2))
  await db.pool.query('insert into greetings values ($1)', ['hello'])
  console.log('pool', db.poolStats())
  console.log('capacity', await db.capacity())
} finally {
  await startup.shutdown('example done')
  await embedded?.close()
}
