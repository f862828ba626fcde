import { describe, expect, it } from 'vitest'
import { classifyRefusal } from './platform-source.js'

// What gcloud and kubectl print on stderr when they fail, as their users see it.
describe('classifyRefusal', () => {
  it.each([
    [
      "ERROR: (gcloud.run.services.describe) PERMISSION_DENIED: Permission 'run.services.get' denied on resource 'namespaces/p/services/s' (or resource may not exist).",
      'denied',
    ],
    [
      'ERROR: (gcloud.sql.instances.describe) HTTPError 403: The client is not authorized to make this request.',
      'denied',
    ],
    ['ERROR: (gcloud.run.services.describe) You do not currently have an active account selected.', 'denied'],
    ['Error from server (Forbidden): pods is forbidden: User "x" cannot list resource "pods"', 'denied'],
    ['error: You must be logged in to the server (Unauthorized)', 'denied'],
    ['ERROR: (gcloud.run.services.describe) Cannot find service [tarmac-auth]', 'missing'],
    [
      'ERROR: (gcloud.sql.instances.describe) HTTPError 404: The Cloud SQL instance does not exist.',
      'missing',
    ],
    [
      "ERROR: (gcloud.compute.networks.vpc-access.connectors.describe) NOT_FOUND: Resource 'projects/p/locations/r/connectors/c' was not found",
      'missing',
    ],
    [
      'The connection to the server localhost:8080 was refused - did you specify the right host or port?',
      'failed',
    ],
    [
      "ERROR: gcloud crashed (ConnectionError): HTTPSConnectionPool(host='run.googleapis.com', port=443)",
      'failed',
    ],
  ])('%s → %s', (stderr, refusal) => {
    expect(classifyRefusal(stderr)).toBe(refusal)
  })
})
