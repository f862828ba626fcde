import type { StoredMessage } from '../chat/chat-machine.js'
import { apiRequest } from './http.js'

export interface Thread {
  id: string
  title: string | null
  createdAt: string
}

interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export const listThreads = async () => (await apiRequest<Page<Thread>>('/api/threads')).items

export const createThread = (title?: string) =>
  apiRequest<Thread>('/api/threads', { method: 'POST', body: title ? { title } : {} })

/** Every stored message of a thread, oldest first (follows `nextCursor`). */
export async function loadMessages(threadId: string): Promise<StoredMessage[]> {
  const items: StoredMessage[] = []
  let cursor: string | null = null
  for (let page = 0; page < 20; page++) {
    const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''
    const result: Page<StoredMessage> = await apiRequest(
      `/api/threads/${encodeURIComponent(threadId)}/messages${query}`,
    )
    items.push(...result.items)
    cursor = result.nextCursor
    if (!cursor) break
  }
  return items
}
