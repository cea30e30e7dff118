import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard is served by the truce server itself (`npm start`), same origin as the API; in
// development `npm run dev -w @truce/web` proxies the API to a server on :8080.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1200,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
