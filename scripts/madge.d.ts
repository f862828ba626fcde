/** The part of madge's API scripts/import-boundaries.test.ts uses (madge 8 ships no types). */
declare module 'madge' {
  interface MadgeResult {
    /** Each cycle as the files in it, relative to the base folder. */
    circular(): string[][]
  }
  function madge(path: string, config?: Readonly<Record<string, unknown>>): Promise<MadgeResult>
  export default madge
}
