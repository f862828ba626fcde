import { classifyError } from '@tarmac/probe'
import { CLOSE_CODES, offeredProtocols, type ServerFrame } from '@tarmac/protocol'
import WebSocket from 'ws'
import { judge, NO_ANSWER } from '../faults.js'
import { judgeAnswer } from '../validate/chat-round-trip.js'
import type { CheckResult } from './check-result.js'
import type { TokenSource } from './token-source.js'

type Measured = Omit<CheckResult, 'target' | 'at' | 'lagMs' | 'trusted'>

/**
 * Connect and authenticate, as a chat client does: open the backend's WebSocket with `['tarmac.v1',
 * 'bearer.<jwt>']` and wait for `auth.ok`; then close with 1000. The token comes from `tokens` (one login per
 * token lifetime). Phases: `token` (only when a login was needed), `connect` (the upgrade), `auth` (→ `auth.ok`).
 */
export async function measureWebSocket(
  url: string,
  tokens: TokenSource,
  timeoutMs: number,
): Promise<Measured> {
  const startedMs = performance.now()
  const token = await tokens.token(timeoutMs)
  const tokenMs = performance.now() - startedMs
  if (typeof token !== 'string') {
    return {
      state: 'fail',
      latencyMs: round(tokenMs),
      errorClass: token.errorClass,
      ...(token.code !== undefined && { code: token.code }),
      message: token.message,
      faultDomain: token.judgement.domain,
      faultLayer: token.judgement.layer,
    }
  }
  const outcome = await connectAndAuthenticate(url, token, Math.max(1, timeoutMs - tokenMs))
  if (outcome.state === 'fail' && outcome.errorClass === 'CLI_ERR_WS_REJECTED') tokens.invalidate()
  const phases = {
    ...(tokenMs >= 1 && { token: round(tokenMs) }),
    ...(outcome.connectMs !== undefined && { connect: outcome.connectMs }),
    ...(outcome.authMs !== undefined && { auth: outcome.authMs }),
  }
  const { connectMs: _c, authMs: _a, ...measured } = outcome
  return { ...measured, latencyMs: round(performance.now() - startedMs), phases }
}

type Outcome = Omit<Measured, 'latencyMs'> & { connectMs?: number; authMs?: number }

function connectAndAuthenticate(url: string, token: string, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const startedMs = performance.now()
    let openedMs: number | undefined
    let settled = false
    const socket = new WebSocket(url, offeredProtocols(token), { handshakeTimeout: timeoutMs })
    const finish = (outcome: Outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.removeAllListeners()
      socket.on('error', () => {})
      if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'monitor check done')
      else socket.terminate()
      const connectMs = openedMs === undefined ? undefined : round(openedMs - startedMs)
      resolve({ ...outcome, ...(connectMs !== undefined && { connectMs }) })
    }
    const fail = (errorClass: string, message: string, judged = NO_ANSWER, code?: string) =>
      finish({
        state: 'fail',
        errorClass,
        message,
        ...(code !== undefined && { code }),
        faultDomain: judged.domain,
        faultLayer: judged.layer,
      })
    const timer = setTimeout(
      () =>
        fail(
          'TIMEOUT',
          openedMs === undefined
            ? `no WebSocket upgrade within ${Math.round(timeoutMs)} ms`
            : `no auth.ok within ${Math.round(timeoutMs)} ms of connecting`,
        ),
      timeoutMs,
    )
    socket.once('open', () => (openedMs = performance.now()))
    socket.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.length < 64 && chunks.push(chunk))
      response.once('end', () => {
        let body: unknown
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          body = undefined
        }
        const code = (body as { code?: unknown } | undefined)?.code
        const status = response.statusCode ?? 0
        fail(
          'CLI_ERR_WS_HANDSHAKE',
          `the upgrade was answered HTTP ${status}${typeof code === 'string' ? ` ${code}` : ''}`,
          judgeAnswer(status, body),
          typeof code === 'string' ? code : undefined,
        )
      })
    })
    socket.on('error', (error) => {
      // No answer at all (refused, reset, unresolvable): a crash and a broken network look alike from here.
      const failure = classifyError(error, openedMs === undefined ? 'tcp' : 'transfer')
      fail(failure.class, `websocket: ${failure.message}`)
    })
    socket.on('close', (code, reason) => {
      const text = `the socket closed with ${code}${reason.length > 0 ? ` (${reason.toString()})` : ''} before auth.ok`
      if (code === CLOSE_CODES.unauthorized) fail('CLI_ERR_WS_REJECTED', text, judge('CLI_ERR_WS_REJECTED'))
      else fail('CLI_ERR_WS_CLOSED', text, judge('CLI_ERR_WS_CLOSED'))
    })
    socket.on('message', (data: Buffer) => {
      let frame: ServerFrame
      try {
        frame = JSON.parse(data.toString('utf8')) as ServerFrame
      } catch {
        return fail('CLI_ERR_WS_CLOSED', 'a frame that is not JSON', judge('CLI_ERR_WS_CLOSED'))
      }
      if (frame.type === 'auth.ok') {
        finish({ state: 'pass', authMs: round(performance.now() - (openedMs ?? startedMs)) })
      }
      // An `error` frame (AUTH_FAILED) comes just before the 4401 close, which decides.
    })
  })
}

const round = (ms: number) => Math.round(ms * 10) / 10
