// One embedded Postgres (PGlite over the wire protocol), as `tarmac up` starts it: spawn → listening.
import { startEmbeddedPostgres } from '@tarmac/postgres'

const db = await startEmbeddedPostgres({ dataDir: process.argv[2], port: Number(process.env.PORT) })
process.once('SIGTERM', () => void db.close().then(() => process.exit(0)))
