import { readFileSync } from 'node:fs'
import { validateXML } from 'xmllint-wasm'

/** Validates JUnit XML against test/fixtures/junit.xsd with libxml2 (xmllint compiled to wasm); [] when valid. */
export async function junitErrors(xml: string): Promise<string[]> {
  const schema = readFileSync(new URL('./fixtures/junit.xsd', import.meta.url), 'utf8')
  const result = await validateXML({
    xml: [{ fileName: 'report.xml', contents: xml }],
    schema: [{ fileName: 'junit.xsd', contents: schema }],
  })
  return result.errors.map((e) => e.rawMessage)
}
