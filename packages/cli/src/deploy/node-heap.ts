/**
 * The V8 heap limit a service's container leaves room for: half its memory limit, in MiB. Node sizes its default
 * old-space limit from the memory it sees, which in a container can be as large as the container's whole limit
 * (or the host's): the heap then grows with garbage until the kernel kills the process instead of V8 collecting.
 * The other half holds what `--max-old-space-size` does not count: the young generation, code, Buffers (request
 * bodies being read, proxied streams), native memory (auth's argon2id: 19 MiB per hash in flight) and stacks.
 * The frontend's 256Mi gives 128 MiB of old space: its baseline heap plus the collector's documented bound
 * (≤ 55 MiB, services/frontend/README.md) with room to spare; `bench/collector-flood --heap-mib 128` measured it.
 */
export function maxOldSpaceMib(memory: string): number {
  const quantity = /^(\d+)(Mi|Gi)$/.exec(memory)
  if (!quantity) throw new TypeError(`not a memory quantity like 512Mi: ${memory}`)
  const mib = Number(quantity[1]) * (quantity[2] === 'Gi' ? 1024 : 1)
  return Math.floor(mib / 2)
}

/** `NODE_OPTIONS` for a container with this memory limit (every Tarmac image runs `node` as PID 1). */
export const nodeOptionsFor = (memory: string): string => `--max-old-space-size=${maxOldSpaceMib(memory)}`
