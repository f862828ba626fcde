import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

// Component tests (jsdom + Testing Library) of the app: `npm run test:components -w services/frontend`.
// The root config runs them too once it includes `services/*/app/**/*.test.tsx`.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  plugins: [react()],
  resolve: { conditions: ['@tarmac/source', ...defaultServerConditions] },
  test: { include: ['app/**/*.test.tsx'], environment: 'jsdom' },
})
