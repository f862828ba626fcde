import { describe, expect, it } from 'vitest'
import { findNodeOfMajor, nodeMajorOfImage } from './rehearsal-node.js'

const thisMajor = Number(process.versions.node.split('.')[0])

describe('nodeMajorOfImage', () => {
  it('reads the major of an official node image, and nothing else', () => {
    expect(nodeMajorOfImage('node:24-bookworm-slim')).toBe(24)
    expect(nodeMajorOfImage('node:24.21.0-bookworm-slim')).toBe(24)
    expect(nodeMajorOfImage('docker.io/library/node:22')).toBe(22)
    expect(nodeMajorOfImage('node:lts-slim')).toBeNull()
    expect(nodeMajorOfImage('debian:bookworm-slim')).toBeNull()
    expect(nodeMajorOfImage('mynode:24')).toBeNull()
  })
})

describe('findNodeOfMajor', () => {
  it("uses this Node when the major matches, first on PATH, with this machine's npm global config", () => {
    const node = findNodeOfMajor(thisMajor, {
      PATH: '/usr/bin:/bin',
      npm_config_globalconfig: '/etc/npmrc-x',
    })
    expect(node).toMatchObject({ path: process.execPath, version: process.version, major: thisMajor })
    expect(node.env.PATH!.split(':')[0]).toBe(process.execPath.replace(/\/node$/, ''))
    expect(node.env.npm_config_globalconfig).toBe('/etc/npmrc-x')
  })

  it('refuses a TARMAC_NODE_<major> binary of another major, naming both', () => {
    const other = thisMajor + 1
    expect(() =>
      findNodeOfMajor(other, { PATH: process.env.PATH, [`TARMAC_NODE_${other}`]: process.execPath }),
    ).toThrow(`asked for Node ${other}, ${process.execPath} gave ${process.execPath} ${process.version}`)
  })
})
