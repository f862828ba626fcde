import type { MessageItem, MessagePage, NewThreadBody, Thread, ThreadPage } from '@tarmac/protocol'
import { apiRequest } from './http.js'

export type { Thread } from '@tarmac/protocol'

export const listThreads = async () => (await apiRequest<ThreadPage>('/api/threads')).items

export const createThread = (title?: string) => {
  const body: NewThreadBody = title ? { title } : {}
  return apiRequest<Thread>('/api/threads', { method: 'POST', body })
}

/** Every stored message of a thread, oldest first (follows `nextCursor`). */
export async function loadMessages(threadId: string): Promise<MessageItem[]> {
  const items: MessageItem[] = []
  let cursor: string | null = null
  for (let page = 0; page < 20; page++) {
    const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''
    const result: MessagePage = await apiRequest(
      `/api/threads/${encodeURIComponent(threadId)}/messages${query}`,
    )
    items.push(...result.items)
    cursor = result.nextCursor
    if (!cursor) break
  }
  return items
}
