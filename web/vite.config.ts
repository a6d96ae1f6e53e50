// Builds the clinician's page (web/) into web/dist, served by the service at /. Run by `npm run build:web`, which
// npm install (prepare) and npm start (src/http/routes/web/web-bundle.ts, when web/dist is missing or stale) call.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodePackageImporter } from 'sass';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  // the NHS design system is built from its Sass (src/styles/nhsuk.scss, `@use "pkg:nhsuk-frontend"`)
  css: { preprocessorOptions: { scss: { importers: [new NodePackageImporter()] } } },
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    // /assets/ is the NHS design system's images (its CSS asks for /assets/images/…), served from the package
    assetsDir: 'static',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
    // compiling the design system's Sass is most of the build, every time: no warning that a plugin took long
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
