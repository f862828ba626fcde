import { describe, expect, it } from 'vitest'
import { findDynamicImportUses } from './dynamic-import-uses.js'

const namesOf = (code: string) => findDynamicImportUses(code).map((use) => [use.specifier, use.names])

describe('findDynamicImportUses', () => {
  it('reads the names a destructuring takes, renamed or not, as esbuild emits them', () => {
    expect(
      namesOf('async function f(){const{Redis,Cluster:C}=await import("./bundle-built-X.js"),c=new Redis}'),
    ).toEqual([['./bundle-built-X.js', ['Cluster', 'Redis']]])
    expect(namesOf('let a;({a}=await import("x"))')).toEqual([['x', ['a']]])
  })

  it('reads a member of the awaited namespace and the members of a binding', () => {
    expect(namesOf('const r=(await import("./a.js")).run;')).toEqual([['./a.js', ['run']]])
    expect(namesOf('const m=await import("./a.js");m.one();m["two"];const{three}=m;')).toEqual([
      ['./a.js', ['one', 'three', 'two']],
    ])
  })

  it('reads the parameter of a then callback', () => {
    expect(namesOf('import("./a.js").then(({start})=>start())')).toEqual([['./a.js', ['start']]])
    expect(namesOf('import("./a.js").then(function(m){return m.start})')).toEqual([['./a.js', ['start']]])
  })

  it('says null when the namespace escapes, is spread or is read by a computed key', () => {
    expect(namesOf('const m=await import("./a.js");use(m)')).toEqual([['./a.js', null]])
    expect(namesOf('const{a,...rest}=await import("./a.js")')).toEqual([['./a.js', null]])
    expect(namesOf('const m=await import("./a.js");m[key]')).toEqual([['./a.js', null]])
    expect(namesOf('const m=await import("./a.js");const o={m}')).toEqual([['./a.js', null]])
    expect(namesOf('register(import("./a.js"))')).toEqual([['./a.js', null]])
  })

  it('skips an import whose specifier is computed, and gives each import its line', () => {
    const uses = findDynamicImportUses('await import(name)\nconst{a}=await import("./a.js")\n')
    expect(uses).toEqual([{ specifier: './a.js', names: ['a'], line: 2 }])
  })
})
