export { parseOptions, describeIssue, defaultMessage } from './parse-options.js'
export type { OptionIssue, OptionsSchema, RawIssue } from './parse-options.js'
