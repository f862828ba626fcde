import { inject } from 'vitest'

// The artefact project's setup file: runs before each artefact test file loads. When its global setup could not
// make a current build, the file fails here, saying why, rather than testing an older build or none.
const buildError = inject('ARTEFACT_BUILD_ERROR')
if (buildError) throw new Error(buildError)
