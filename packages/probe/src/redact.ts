/** Replaces the password in a URL with `***`; a string that is no URL is returned without its `user:pass@` part. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, '***')
    }
    return parsed.toString()
  } catch {
    return url.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@')
  }
}
