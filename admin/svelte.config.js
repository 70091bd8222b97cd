// SvelteKit configuration: the admin is served by adapter-node so one `node build` process
// serves it anywhere, and reads the API's address at runtime rather than at build time.
import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    adapter: adapter(),
    typescript: {
      // Type-check (and so lint) this file too; SvelteKit's generated tsconfig leaves it out.
      config: (tsconfig) => {
        tsconfig.include.push('../svelte.config.js');
        return tsconfig;
      },
    },
  },
};

export default config;
