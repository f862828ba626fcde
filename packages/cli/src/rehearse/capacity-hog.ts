import pg from 'pg'

/** The SQLSTATE Postgres refuses a connection with when every slot the role may take is taken. */
export const TOO_MANY_CONNECTIONS = '53300'

/** More connections than any rehearsal cluster allows: reaching it means the slots never ran out. */
const MAX_HOGS = 1_000

function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * Opens connections to `url` until Postgres refuses one with 53300 (too many connections), and returns the
 * open ones: "another application holds every slot". Any other refusal (a wrong password, a database that
 * does not exist, a reset) means the fault was not injected: the connections opened so far are closed and it
 * throws, naming the error, instead of passing off a half-full server as a full one.
 */
export async function holdEverySlot(url: string, applicationName = 'hog'): Promise<pg.Client[]> {
  const hogs: pg.Client[] = []
  const release = () => Promise.all(hogs.map((client) => client.end().catch(() => undefined)))
  while (hogs.length < MAX_HOGS) {
    const client = new pg.Client({ connectionString: url, application_name: applicationName })
    client.on('error', () => undefined)
    try {
      await client.connect()
    } catch (error) {
      if (sqlStateOf(error) === TOO_MANY_CONNECTIONS) return hogs
      await release()
      const code = sqlStateOf(error) ?? 'no SQLSTATE'
      throw new Error(
        `the capacity hog was refused with ${code} (not ${TOO_MANY_CONNECTIONS}) after ${hogs.length} connection(s): ${(error as Error).message}`,
        { cause: error },
      )
    }
    hogs.push(client)
  }
  await release()
  throw new Error(
    `the capacity hog opened ${MAX_HOGS} connections and was never refused with ${TOO_MANY_CONNECTIONS}`,
  )
}
