import ipaddr from 'ipaddr.js'

/** The named ranges proxy-addr expands (the same lists, so coverage is judged on what it will trust). */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  loopback: ['127.0.0.1/8', '::1/128'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
}

/** An inclusive range of the 128-bit address space; IPv4 lives at `::ffff:0:0/96`, as proxy-addr maps it. */
interface Span {
  readonly first: bigint
  readonly last: bigint
}

const IPV4_MAPPED_BASE = 0xffffn << 32n
const ALL_IPV4: Span = { first: IPV4_MAPPED_BASE, last: IPV4_MAPPED_BASE + (1n << 32n) - 1n }
const ALL_IPV6: Span = { first: 0n, last: (1n << 128n) - 1n }

const toBigInt = (bytes: readonly number[]) => bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n)

/** One entry (an address, a CIDR, or an IPv4 address with a netmask) as a span of the 128-bit space. */
function spanOf(entry: string): Span {
  const slash = entry.lastIndexOf('/')
  let address = ipaddr.parse(slash === -1 ? entry : entry.slice(0, slash))
  if (slash === -1 && address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address()
  }
  const suffix = slash === -1 ? undefined : entry.slice(slash + 1)
  const bits = address.kind() === 'ipv4' ? 32 : 128
  const prefix =
    suffix === undefined
      ? bits
      : /^\d+$/.test(suffix)
        ? Number(suffix)
        : ipaddr.IPv4.parse(suffix).prefixLengthFromSubnetMask()!
  const value = toBigInt(address.toByteArray())
  const hostBits = BigInt(bits - prefix)
  const network = (value >> hostBits) << hostBits
  const base = address.kind() === 'ipv4' ? IPV4_MAPPED_BASE + network : network
  return { first: base, last: base + (1n << hostBits) - 1n }
}

/** Whether the union of `spans` contains every address of `whole`. */
function covers(spans: readonly Span[], whole: Span): boolean {
  let next = whole.first
  for (const span of [...spans].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))) {
    if (span.first > next) break
    if (span.last >= next) next = span.last + 1n
    if (next > whole.last) return true
  }
  return false
}

/**
 * Which address family the entries of a `TRUST_PROXY` list trust in full, if any: `0.0.0.0/1,128.0.0.0/1` is
 * every IPv4 address in two halves, `::/1,8000::/1` every IPv6 address (and, through `::ffff:0:0/96`, every
 * IPv4 one, as proxy-addr matches IPv4 peers against IPv6 ranges). Entries must already be valid for proxy-addr.
 */
export function familyTrustedInFull(entries: readonly string[]): 'IPv4' | 'IPv6' | undefined {
  const spans = entries.flatMap((entry) => (NAMED_RANGES[entry] ?? [entry]).map(spanOf))
  if (covers(spans, ALL_IPV6)) return 'IPv6'
  if (covers(spans, ALL_IPV4)) return 'IPv4'
  return undefined
}
