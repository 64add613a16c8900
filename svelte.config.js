// Read by the Vite plugin and svelte-check: every component uses runes (Svelte 5).
export default {
  compilerOptions: { runes: true },
};
