import ipaddr from 'ipaddr.js'

/** IPv6 clients are counted per network of this many bits by default: one customer's /64 is one client. */
export const DEFAULT_IPV6_PREFIX_BITS = 64

/**
 * The per-IP bucket of a client address: an IPv4 address as it is (an IPv4-mapped IPv6 one too), an IPv6
 * address as its network of `ipv6PrefixBits` (`2001:db8:0:1::1` … `::28` are all `2001:db8:0:1::/64`). A single
 * subscriber gets a whole /64 (often a /56 or /48), so per address it could rotate through 2^64 fresh buckets.
 */
export function clientIpKeyOf(ip: string, ipv6PrefixBits: number = DEFAULT_IPV6_PREFIX_BITS): string {
  if (!ipaddr.isValid(ip)) return ip
  let address = ipaddr.parse(ip)
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address()
  }
  if (address.kind() === 'ipv4') return address.toString()
  const bytes = address.toByteArray()
  for (let bit = ipv6PrefixBits; bit < 128; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7))
  return `${ipaddr.fromByteArray(bytes).toString()}/${ipv6PrefixBits}`
}
