import type { FaultDomain, FaultLayer } from './vocabulary.js'

/**
 * Codes no catalog declares still belong to a class whose verdict is known: Postgres' SQLSTATEs (the first two
 * characters are the class: `42P05` is class 42, a statement the application sent) and Node's network error
 * codes (`ECONNREFUSED`, `EAI_AGAIN`, undici's `UND_ERR_…`). A code without its own entry gets its class's verdict
 * instead of `unknown`.
 */
export interface CodeClass {
  /** `SQLSTATE 42`, `SQLSTATE 57P0x`, `network errno`, `DNS errno`, `TLS`… */
  readonly name: string
  readonly domain: FaultDomain
  readonly layer: FaultLayer
  readonly meaning: string
}

const sql = (name: string, domain: FaultDomain, layer: FaultLayer, meaning: string): CodeClass => ({
  name: `SQLSTATE ${name}`,
  domain,
  layer,
  meaning,
})

/** SQLSTATEs whose verdict differs from their class's. */
export const SQLSTATE_CODE_VERDICTS: Readonly<Record<string, CodeClass>> = Object.freeze({
  '3D000': sql('3D000', 'configuration', 'postgres-auth', 'the database named in the URL does not exist'),
  '42501': sql(
    '42501',
    'configuration',
    'postgres-auth',
    'the role lacks a privilege: the grants someone set',
  ),
  '53300': sql(
    '53300',
    'infrastructure',
    'postgres-capacity',
    'too many connections: the server is out of slots',
  ),
  '53400': sql(
    '53400',
    'infrastructure',
    'postgres-capacity',
    'a configured limit (connections) was exceeded',
  ),
  '57P01': sql(
    '57P0x',
    'infrastructure',
    'postgres-availability',
    'the server is shutting down (admin shutdown)',
  ),
  '57P02': sql('57P0x', 'infrastructure', 'postgres-availability', 'the server crashed (crash shutdown)'),
  '57P03': sql(
    '57P0x',
    'infrastructure',
    'postgres-availability',
    'the server is starting up or in recovery',
  ),
  '57P04': sql(
    '57P0x',
    'infrastructure',
    'postgres-availability',
    'the database was dropped under the session',
  ),
  '57P05': sql('57P0x', 'infrastructure', 'postgres-availability', 'the server ended an idle session'),
})

/** SQLSTATE classes (the first two characters), PostgreSQL's Appendix A, judged by whose move each is. */
export const SQLSTATE_CLASSES: Readonly<Record<string, CodeClass>> = Object.freeze({
  '08': sql(
    '08',
    'infrastructure',
    'tcp',
    'connection exception: the connection to the server failed or broke',
  ),
  '0A': sql('0A', 'application', 'application', 'feature not supported: the application asked for it'),
  '22': sql('22', 'application', 'application', 'data exception: a value the application sent'),
  '23': sql(
    '23',
    'application',
    'application',
    'integrity constraint violation: the application broke an invariant',
  ),
  '25': sql(
    '25',
    'application',
    'application',
    'invalid transaction state: the application misused a transaction',
  ),
  '28': sql('28', 'configuration', 'postgres-auth', 'invalid authorization: the credentials someone set'),
  '2B': sql('2B', 'application', 'application', 'dependent objects still exist'),
  '3B': sql('3B', 'application', 'application', 'savepoint exception'),
  '3D': sql(
    '3D',
    'configuration',
    'postgres-auth',
    'invalid catalog name: the database named does not exist',
  ),
  '3F': sql(
    '3F',
    'application',
    'application',
    'invalid schema name: the schema the application expects is missing',
  ),
  '40': sql(
    '40',
    'application',
    'application',
    'transaction rollback (serialization, deadlock): retry or reorder',
  ),
  '42': sql(
    '42',
    'application',
    'application',
    'syntax error or access rule violation: a statement the application sent',
  ),
  '44': sql('44', 'application', 'application', 'WITH CHECK OPTION violation'),
  // Disk full (53100), out of memory (53200): the server cannot work, whatever slots are free.
  '53': sql(
    '53',
    'infrastructure',
    'postgres-availability',
    "insufficient resources: the server's disk or memory",
  ),
  '54': sql('54', 'application', 'application', 'program limit exceeded: a statement too large or complex'),
  '55': sql('55', 'application', 'application', 'object not in prerequisite state (a lock not available)'),
  '57': sql(
    '57',
    'infrastructure',
    'postgres-availability',
    'operator intervention: the server cancelled or ended it',
  ),
  '58': sql('58', 'infrastructure', 'postgres-availability', "system error: the server's own I/O"),
  '72': sql('72', 'application', 'application', 'snapshot too old'),
  F0: sql('F0', 'infrastructure', 'postgres-availability', 'configuration file error of the server'),
  HV: sql('HV', 'application', 'application', 'foreign data wrapper error'),
  P0: sql('P0', 'application', 'application', 'PL/pgSQL error: raised by the application’s own function'),
  XX: sql(
    'XX',
    'infrastructure',
    'postgres-availability',
    'internal error of the server (data corrupted, index corrupted)',
  ),
})

const net = (name: string, layer: FaultLayer, meaning: string): CodeClass => ({
  name,
  domain: 'infrastructure',
  layer,
  meaning,
})

/** Node's and undici's codes of a failed network exchange, by class. */
const NETWORK_CLASSES: readonly { readonly match: RegExp; readonly verdict: CodeClass }[] = [
  {
    match: /^(ENOTFOUND|EAI_[A-Z]+|ENODATA|ESERVFAIL|ENOTIMP|EREFUSED|ETIMEOUT)$/,
    verdict: net('DNS errno', 'dns', 'the host name did not resolve'),
  },
  {
    match:
      /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|EHOSTDOWN|ENETUNREACH|ENETDOWN|ENETRESET|EADDRNOTAVAIL)$/,
    verdict: net('network errno', 'tcp', 'the network path: refused, reset, unreachable or silent'),
  },
  {
    match: /^UND_ERR_/,
    verdict: net('undici network error', 'tcp', 'an HTTP exchange failed on the network'),
  },
  {
    match: /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/,
    verdict: net('TLS', 'tls', 'a certificate or TLS handshake failed'),
  },
]

/**
 * The runtime's programming errors as a report records them (`errorCodeOf`: the error's name, or Node's `ERR_…`
 * argument code): the application's own code is wrong (`isProgrammingError` judges a live error by the same rule).
 */
const PROGRAMMING: CodeClass = {
  name: 'programming error',
  domain: 'application',
  layer: 'application',
  meaning:
    "the application's own code is wrong: it misuses a value, names what does not exist, or does not parse",
}
const PROGRAMMING_CODE =
  /^(TypeError|ReferenceError|SyntaxError|ERR_INVALID_ARG_[A-Z_]+|ERR_INVALID_URL|ERR_MODULE_NOT_FOUND|ERR_REQUIRE_ESM|ERR_PACKAGE_PATH_NOT_EXPORTED|ERR_UNKNOWN_FILE_EXTENSION)$/

const SQLSTATE = /^[0-9A-Z]{5}$/

/**
 * The verdict of a code's class, for a code no catalog declares: a SQLSTATE's own entry, else its class; a
 * network code's class. `undefined` when the code belongs to no known class.
 * @example
 * classOfCode('42P05') // { name: 'SQLSTATE 42', domain: 'application', layer: 'application', … }
 * classOfCode('ECONNREFUSED') // { name: 'network errno', domain: 'infrastructure', layer: 'tcp', … }
 * classOfCode('TypeError') // { name: 'programming error', domain: 'application', layer: 'application', … }
 */
export function classOfCode(code: string): CodeClass | undefined {
  const network = NETWORK_CLASSES.find((entry) => entry.match.test(code))
  if (network) return network.verdict
  if (PROGRAMMING_CODE.test(code)) return PROGRAMMING
  if (!SQLSTATE.test(code)) return undefined
  return SQLSTATE_CODE_VERDICTS[code] ?? SQLSTATE_CLASSES[code.slice(0, 2)]
}
