import module from 'node:module'

/**
 * The frontend's entry: `node dist/main.js`. It turns on the compile cache, then loads the service.
 */
// Node ≥ 22.1 caches compiled code on disk (NODE_COMPILE_CACHE, else the OS temp directory): the next cold
// start on this host skips compiling the chunks imported below. A no-op on Node 20.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()
const { runFrontend } = await import('./run-frontend.js')
await runFrontend()
