import { isIP, type Socket } from 'node:net'
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls'
import type { Deadline } from './deadline.js'
import type { ProbeDetails } from './probe-result.js'

export interface TlsHandshakeOptions {
  host: string
  servername?: string | undefined
  rejectUnauthorized?: boolean | undefined
  ALPNProtocols?: string[]
}

/**
 * Runs a TLS handshake over a connected socket, within the deadline (both sockets destroyed if it fires).
 * SNI is sent for host names only (RFC 6066 forbids IP literals); the identity check uses `host`.
 */
export async function tlsHandshake(
  socket: Socket,
  options: TlsHandshakeOptions,
  deadline: Deadline,
): Promise<TLSSocket> {
  const servername = options.servername ?? (isIP(options.host) === 0 ? options.host : undefined)
  const tlsOptions: ConnectionOptions = {
    socket,
    host: options.host,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
  }
  if (servername !== undefined) tlsOptions.servername = servername
  if (options.ALPNProtocols) tlsOptions.ALPNProtocols = options.ALPNProtocols
  const tlsSocket = connect(tlsOptions)
  const handshake = new Promise<void>((resolve, reject) => {
    tlsSocket.once('secureConnect', () => {
      tlsSocket.off('error', reject)
      resolve()
    })
    tlsSocket.once('error', reject)
  })
  const destroy = (): void => {
    tlsSocket.destroy()
    socket.destroy()
  }
  try {
    await deadline.guard(handshake, () => 'tls', destroy)
  } catch (error) {
    destroy()
    throw error
  }
  return tlsSocket
}

/** Protocol, cipher and certificate facts of an established TLS socket, for `ProbeResult.details`. */
export function tlsDetails(tlsSocket: TLSSocket, nowMs = Date.now()): ProbeDetails {
  const details: ProbeDetails = { authorized: tlsSocket.authorized }
  const protocol = tlsSocket.getProtocol()
  if (protocol) details.protocol = protocol
  const cipher = tlsSocket.getCipher() as { name?: string } | undefined
  if (cipher?.name) details.cipher = cipher.name
  if (tlsSocket.authorizationError) details.authorizationError = String(tlsSocket.authorizationError)
  const cert = tlsSocket.getPeerCertificate()
  if (cert && Object.keys(cert).length > 0) {
    const subject = cert.subject as { CN?: string } | undefined
    const issuer = cert.issuer as { CN?: string } | undefined
    if (subject?.CN) details.subject = subject.CN
    if (issuer?.CN) details.issuer = issuer.CN
    const validFromMs = Date.parse(cert.valid_from)
    const validToMs = Date.parse(cert.valid_to)
    if (Number.isFinite(validFromMs)) details.validFrom = new Date(validFromMs).toISOString()
    if (Number.isFinite(validToMs)) {
      details.validTo = new Date(validToMs).toISOString()
      details.daysUntilExpiry = Math.floor((validToMs - nowMs) / 86_400_000)
    }
  }
  return details
}
