import { describe, expect, it } from 'vitest'
import { MATRIX } from '../rehearse/fault-matrix.js'
import { renderVerdict } from './diagnose-view.js'
import { diagnosisOf } from './model.js'

const plain = (_colour: string, text: string) => text
const scenario = (name: string) => MATRIX.find((candidate) => candidate.name === name)!.input

describe('renderVerdict', () => {
  it('names a second fault at once after the first, in order of weight', () => {
    const text = renderVerdict(diagnosisOf(scenario('slow-connector-and-full-database')), 'header', plain)
    expect(text).toMatch(
      /VERDICT {2}infrastructure \/ postgres-capacity .*\n.*since .*\nALSO {5}infrastructure \/ connector {3}\(score \d+(\.\d)?, from 1 source\)/,
    )
  })

  it('names no second fault when only one is there', () => {
    expect(renderVerdict(diagnosisOf(scenario('wrong-password')), 'header', plain)).not.toMatch(/^ALSO/m)
  })
})
