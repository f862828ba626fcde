/**
 * What a bundled file reads from each of its dynamic imports: `const { Redis } = await import('ioredis')` reads
 * `Redis`. esbuild's metafile lists a chunk's dynamic imports and each chunk's exports, but not the names read at
 * the import site; this finds them in the output with acorn, so the bundle check can compare the two.
 *
 * Understood forms (what esbuild emits for our sources): destructuring the awaited namespace (`const {a, b: c} =
 * await import(x)`, also in an assignment), a member of it (`(await import(x)).a`), a binding whose members are
 * read (`const m = await import(x); m.a`), and `import(x).then(({ a }) => …)` / `.then((m) => m.a)`. Anything else
 * (the namespace passed on, spread, a computed member) gives `names: null`: the names cannot be told.
 */
import { parse, type Node } from 'acorn'

export interface DynamicImportUse {
  /** The specifier as written: `./bundle-built-2Y5DPKKF.js`, `ioredis`. */
  readonly specifier: string
  /** Export names the code reads, sorted; `null` when they cannot be told from the code. */
  readonly names: readonly string[] | null
  /** 1-based line of the `import()` in the file. */
  readonly line: number
}

type AnyNode = Node & Record<string, unknown>

const isNode = (value: unknown): value is AnyNode =>
  typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'

const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'])

/** Every node with its parent, depth first. */
function walk(root: AnyNode, visit: (node: AnyNode, parent: AnyNode | null) => void): void {
  const stack: [AnyNode, AnyNode | null][] = [[root, null]]
  while (stack.length > 0) {
    const [node, parent] = stack.pop()!
    visit(node, parent)
    for (const key of Object.keys(node)) {
      const child = node[key]
      if (Array.isArray(child)) {
        for (const item of child) if (isNode(item)) stack.push([item, node])
      } else if (isNode(child)) stack.push([child, node])
    }
  }
}

/** A non-computed member name (`a.b`, `a['b']`), or null. */
function memberName(member: AnyNode): string | null {
  const property = member.property as AnyNode
  if (!member.computed && property.type === 'Identifier') return property.name as string
  if (property.type === 'Literal' && typeof property.value === 'string') return property.value
  return null
}

/** The keys an object pattern takes; null with a rest element or a computed key. */
function patternNames(pattern: AnyNode): string[] | null {
  const names: string[] = []
  for (const property of pattern.properties as AnyNode[]) {
    if (property.type !== 'Property') return null // RestElement: every name
    const key = property.key as AnyNode
    if (!property.computed && key.type === 'Identifier') names.push(key.name as string)
    else if (key.type === 'Literal' && typeof key.value === 'string') names.push(key.value)
    else return null
  }
  return names
}

/** What a binding named `name` reads within `scope`: its members, or null once it escapes. */
function bindingNames(name: string, declaration: AnyNode, scope: AnyNode): string[] | null {
  const names: string[] = []
  let escapes = false
  walk(scope, (node, parent) => {
    if (node === declaration || node.type !== 'Identifier' || node.name !== name || !parent) return
    if (parent.type === 'MemberExpression' && parent.object === node) {
      const read = memberName(parent)
      if (read === null) escapes = true
      else names.push(read)
    } else if (parent.type === 'VariableDeclarator' && parent.init === node) {
      const read = (parent.id as AnyNode).type === 'ObjectPattern' ? patternNames(parent.id as AnyNode) : null
      if (read === null) escapes = true
      else names.push(...read)
    } else if (!(
      parent.type === 'Property' &&
      parent.key === node &&
      !parent.computed &&
      !parent.shorthand
    )) {
      // Anything but an object key that merely shares the name: the namespace itself is used.
      escapes = true
    }
  })
  return escapes ? null : names
}

/** The names a pattern (the left side the namespace is bound to) reads. */
function namesOfPattern(pattern: AnyNode, scope: AnyNode): string[] | null {
  if (pattern.type === 'ObjectPattern') return patternNames(pattern)
  if (pattern.type === 'Identifier') return bindingNames(pattern.name as string, pattern, scope)
  return null
}

function enclosingScope(node: AnyNode, parents: Map<AnyNode, AnyNode>): AnyNode {
  let current = parents.get(node)
  while (current && !FUNCTIONS.has(current.type) && current.type !== 'Program') current = parents.get(current)
  return current ?? node
}

function namesRead(call: AnyNode, parents: Map<AnyNode, AnyNode>): string[] | null {
  const parent = parents.get(call)
  if (parent?.type === 'AwaitExpression') {
    const consumer = parents.get(parent)
    if (consumer?.type === 'VariableDeclarator' && consumer.init === parent)
      return namesOfPattern(consumer.id as AnyNode, enclosingScope(consumer, parents))
    if (consumer?.type === 'AssignmentExpression' && consumer.right === parent)
      return (consumer.left as AnyNode).type === 'ObjectPattern'
        ? patternNames(consumer.left as AnyNode)
        : null
    if (consumer?.type === 'MemberExpression' && consumer.object === parent) {
      const name = memberName(consumer)
      return name === null ? null : [name]
    }
    return null
  }
  // import(x).then((namespace) => …)
  const then =
    parent?.type === 'MemberExpression' && memberName(parent) === 'then' ? parents.get(parent) : null
  if (then?.type === 'CallExpression' && then.callee === parent) {
    const callback = (then.arguments as AnyNode[])[0]
    const param = callback && FUNCTIONS.has(callback.type) ? (callback.params as AnyNode[])[0] : undefined
    if (param) return namesOfPattern(param, callback!)
  }
  return null
}

/** The dynamic imports with a literal specifier in `code` (an ES module) and what each reads. */
export function findDynamicImportUses(code: string): DynamicImportUse[] {
  if (!code.includes('import(')) return [] // most chunks: no parse needed (a large one takes seconds)
  const program = parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'module',
    locations: true,
  }) as unknown as AnyNode
  const parents = new Map<AnyNode, AnyNode>()
  const calls: AnyNode[] = []
  walk(program, (node, parent) => {
    if (parent) parents.set(node, parent)
    if (node.type === 'ImportExpression') calls.push(node)
  })
  const uses: DynamicImportUse[] = []
  for (const call of calls) {
    const source = call.source as AnyNode
    if (source.type !== 'Literal' || typeof source.value !== 'string') continue // computed: nothing to check
    const names = namesRead(call, parents)
    uses.push({
      specifier: source.value,
      names: names === null ? null : [...new Set(names)].sort(),
      line: call.loc!.start.line,
    })
  }
  return uses.sort((a, b) => a.line - b.line)
}
