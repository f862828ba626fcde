import { randomBytes, randomUUID } from 'node:crypto'
import {
  offeredProtocols,
  type ClientFrameInput,
  type ServerFrame,
  type ServerFrameType,
  type Thread,
} from '@tarmac/protocol'
import WebSocket from 'ws'
import { websocketUrl } from '../config/config-schema.js'
import { judge, NO_ANSWER, type Judgement } from '../faults.js'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import type { CriteriaCheck } from './criteria-schema.js'
import { failed, type Sample, type SamplerFactory } from './sample.js'
import { serviceOf } from './service-target.js'

type ChatCheck = Extract<CriteriaCheck, { type: 'chat' }>

/** The frames a round trip must see, in this order (deltas may repeat). */
export const CHAT_FRAMES = [
  'auth.ok',
  'message.ack',
  'run.started',
  'run.delta',
  'run.completed',
] as const satisfies readonly ServerFrameType[]

/**
 * A chat round trip as a user makes it: sign up a throwaway user at the auth service (once per check), create
 * a thread, then per sample open the WebSocket with `['tarmac.v1', 'bearer.<jwt>']`, send a message and wait
 * for `message.ack`, `run.started`, `run.delta`… and `run.completed`. The sample's time is send → completed.
 */
export const chatSampler: SamplerFactory<ChatCheck> = async (check, context) => {
  const backend = serviceOf(check.service, context)
  const auth = serviceOf(check.authService ?? backend.authService ?? 'auth', context)
  const timeoutMs = check.timeoutMs ?? context.timeoutMs
  let session: { token: string; threadId: string } | Sample | undefined
  const setUp = async (): Promise<{ token: string; threadId: string } | Sample> => {
    const suffix = randomBytes(6).toString('hex')
    const signup = await fetchHealth(new URL('/auth/signup', auth.url).toString(), {
      timeoutMs,
      method: 'POST',
      json: {
        email: `validate-${suffix}@tarmac.invalid`,
        password: randomBytes(18).toString('base64url'),
        displayName: 'tarmac validate',
      },
    })
    if (isFetchFailure(signup))
      return failed(signup.failure.class, `signup: ${signup.failure.message}`, NO_ANSWER)
    const token = (signup.body as { accessToken?: unknown } | undefined)?.accessToken
    if (signup.status !== 201 || typeof token !== 'string')
      return failed(
        'CHAT_FAILED',
        `signup answered HTTP ${signup.status}${codeOf(signup.body)}`,
        judgeAnswer(signup.status, signup.body),
      )
    const thread = await fetchHealth(new URL('/api/threads', backend.url).toString(), {
      timeoutMs,
      method: 'POST',
      json: { title: 'tarmac validate' },
      headers: { authorization: `Bearer ${token}` },
    })
    if (isFetchFailure(thread))
      return failed(thread.failure.class, `create thread: ${thread.failure.message}`, NO_ANSWER)
    const threadId = (thread.body as Partial<Thread> | undefined)?.id
    if (thread.status !== 201 || typeof threadId !== 'string') {
      return failed(
        'CHAT_FAILED',
        `create thread answered HTTP ${thread.status}${codeOf(thread.body)}`,
        judgeAnswer(thread.status, thread.body),
      )
    }
    return { token, threadId }
  }
  return {
    async sample() {
      // A failed setup is retried on the next sample: the service may have been starting.
      if (session === undefined || 'ok' in session) session = await setUp()
      if ('ok' in session) return session
      return roundTrip(websocketUrl(backend), session.token, session.threadId, check.text, timeoutMs)
    },
  }
}

function roundTrip(
  url: string,
  token: string,
  threadId: string,
  text: string,
  timeoutMs: number,
): Promise<Sample> {
  return new Promise((resolve) => {
    const seen: string[] = []
    let sentMs = 0
    let settled = false
    const socket = new WebSocket(url, offeredProtocols(token), { handshakeTimeout: timeoutMs })
    const finish = (sample: Sample) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.removeAllListeners()
      socket.on('error', () => {})
      socket.close(1000)
      setTimeout(() => socket.terminate(), 1_000).unref()
      resolve(sample)
    }
    const timer = setTimeout(
      () =>
        finish(
          failed(
            'TIMEOUT',
            `no run.completed within ${timeoutMs} ms; frames seen: ${seen.join(', ') || 'none'}`,
            NO_ANSWER,
          ),
        ),
      timeoutMs,
    )
    socket.on('error', (error) => {
      const cls = (error as { code?: string }).code === 'ECONNREFUSED' ? 'TCP_REFUSED' : 'CHAT_FAILED'
      finish(failed(cls, `websocket: ${error.message}`, cls === 'TCP_REFUSED' ? NO_ANSWER : APPLICATION))
    })
    socket.on('close', (code, reason) =>
      finish(
        failed(
          'CHAT_FAILED',
          `the socket closed (${code} ${reason.toString()}) after ${seen.join(', ') || 'no frames'}`,
          APPLICATION,
        ),
      ),
    )
    socket.on('message', (data: Buffer) => {
      let frame: ServerFrame
      try {
        frame = JSON.parse(data.toString('utf8')) as ServerFrame
      } catch {
        return finish(failed('CHAT_FAILED', 'a frame that is not JSON', APPLICATION))
      }
      const type = String(frame.type)
      if (seen.at(-1) !== type || type !== 'run.delta') seen.push(type)
      if (frame.type === 'auth.ok') {
        sentMs = performance.now()
        const send: ClientFrameInput = { type: 'message.send', threadId, clientMsgId: randomUUID(), text }
        socket.send(JSON.stringify(send))
      } else if (frame.type === 'error' || frame.type === 'run.failed') {
        finish(
          failed(
            'CHAT_FAILED',
            `${frame.type}: ${frame.code} ${frame.message}`.trim(),
            judgeAnswer(frame.type === 'error' ? 400 : 500, frame),
          ),
        )
      } else if (frame.type === 'run.completed') {
        const order = seen.filter((t) => (CHAT_FRAMES as readonly string[]).includes(t))
        if (order.join() !== CHAT_FRAMES.join()) {
          finish(failed('CHAT_FAILED', `frames out of order: ${seen.join(', ')}`, APPLICATION))
        } else {
          finish({ ok: true, valueMs: Math.round((performance.now() - sentMs) * 10) / 10 })
        }
      }
    })
  })
}

const APPLICATION: Judgement = { domain: 'application', layer: 'application' }

/**
 * Whose move an error answer is: the `code` in the body, judged with the fault model (a service's own
 * annotation first); a 4xx without one is the caller's; a 5xx without one says nothing: unknown.
 */
export function judgeAnswer(status: number, body: unknown): Judgement {
  const { code, domain, layer } = (body ?? {}) as { code?: unknown; domain?: unknown; layer?: unknown }
  if (typeof code === 'string') {
    const judged = judge({ code, domain, layer })
    if (judged.domain !== 'unknown') return judged
  }
  return status < 500 ? { domain: 'application', layer: 'client' } : NO_ANSWER
}

function codeOf(body: unknown): string {
  const { code, message } = (body ?? {}) as { code?: unknown; message?: unknown }
  return typeof code === 'string' ? ` ${code}${typeof message === 'string' ? `: ${message}` : ''}` : ''
}
