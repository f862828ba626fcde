// A module resolution hook: resolve with the `@tarmac/source` export condition, so every workspace package
// loads from its src/index.ts (what `node --conditions=@tarmac/source` does, for a process already running).
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@tarmac/source')
    ? context.conditions
    : [...context.conditions, '@tarmac/source']
  return nextResolve(specifier, { ...context, conditions })
}
