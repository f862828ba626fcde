/**
 * A Dockerfile read into stages with dockerfile-ast: what the Dockerfile test asserts on and what the
 * rehearsal (scripts/dockerfile-rehearsal.ts) executes. `${VAR}` from `ARG` defaults is expanded in FROM.
 */
import { readFileSync } from 'node:fs'
import { DockerfileParser, type Instruction } from 'dockerfile-ast'

export interface DockerInstruction {
  readonly keyword: string
  /** Arguments as written (shell form split on whitespace; use `text` for the command line). */
  readonly args: readonly string[]
  readonly text: string
  /** `--from=build` → `{ from: 'build' }`. */
  readonly flags: Readonly<Record<string, string>>
  /** Exec form (`CMD ["node", "…"]`): the strings; null for shell form. */
  readonly exec: readonly string[] | null
}

export interface DockerStage {
  /** `AS name`, or null for an unnamed stage. */
  readonly name: string | null
  /** The image or stage it starts from, ARG defaults expanded. */
  readonly from: string
  readonly instructions: readonly DockerInstruction[]
}

export interface Dockerfile {
  readonly path: string
  readonly args: Readonly<Record<string, string>>
  readonly stages: readonly DockerStage[]
  /** The last stage: what the image is. */
  readonly final: DockerStage
}

function toInstruction(instruction: Instruction): DockerInstruction {
  const flags: Record<string, string> = {}
  if ('getFlags' in instruction && typeof instruction.getFlags === 'function')
    for (const flag of (
      instruction as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }
    ).getFlags())
      flags[flag.getName()] = flag.getValue() ?? ''
  const json =
    'getJSONStrings' in instruction && typeof instruction.getJSONStrings === 'function'
      ? (instruction as unknown as { getJSONStrings(): { getJSONValue(): string }[] })
          .getJSONStrings()
          .map((s) => s.getJSONValue())
      : []
  return {
    keyword: instruction.getKeyword(),
    args: instruction.getArguments().map((a) => a.getValue()),
    text: instruction.getArgumentsContent() ?? '',
    flags,
    exec: json.length > 0 ? json : null,
  }
}

export function readDockerfile(path: string): Dockerfile {
  const parsed = DockerfileParser.parse(readFileSync(path, 'utf8'))
  const args: Record<string, string> = {}
  const stages: { name: string | null; from: string; instructions: DockerInstruction[] }[] = []
  for (const instruction of parsed.getInstructions()) {
    const item = toInstruction(instruction)
    if (item.keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = (item.args[0] ?? '').split('=')
      if (name) args[name] = value
      continue
    }
    if (item.keyword === 'FROM') {
      const from = (item.args[0] ?? '').replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? '')
      const as = item.args.findIndex((a) => a.toUpperCase() === 'AS')
      stages.push({ name: as >= 0 ? (item.args[as + 1] ?? null) : null, from, instructions: [] })
      continue
    }
    const stage = stages.at(-1)
    if (!stage) throw new Error(`${path}: ${item.keyword} before FROM`)
    stage.instructions.push(item)
  }
  const final = stages.at(-1)
  if (!final) throw new Error(`${path}: no FROM`)
  return { path, args, stages, final }
}

/** The stages an image's contents come from: the final stage, what it starts from, and its `--from` sources. */
export function lineage(dockerfile: Dockerfile, stage: DockerStage = dockerfile.final): DockerStage[] {
  const named = (name: string) => dockerfile.stages.find((s) => s.name === name)
  const seen = new Set<DockerStage>()
  const visit = (current: DockerStage | undefined): void => {
    if (!current || seen.has(current)) return
    seen.add(current)
    visit(named(current.from))
    for (const instruction of current.instructions)
      if (instruction.flags.from) visit(named(instruction.flags.from))
  }
  visit(stage)
  return dockerfile.stages.filter((s) => seen.has(s))
}
