import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

// `npm run dev -w services/frontend` serves the app with hot reload and forwards the API to a running
// frontend server (port 3000), which proxies to backend and auth.
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  // Workspace packages (`@tarmac/protocol`) from their TypeScript source, as tsc and vitest read them: the app
  // builds without building them first.
  resolve: { conditions: ['@tarmac/source', ...defaultClientConditions] },
  build: {
    outDir: fileURLToPath(new URL('../dist/public', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // The CSP allows no inline script: keep the preload helper in the bundle, not inlined.
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/auth': 'http://127.0.0.1:3000',
      '/status': 'http://127.0.0.1:3000',
      '/ws': { target: 'ws://127.0.0.1:3000', ws: true },
    },
  },
})
