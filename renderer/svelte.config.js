// Svelte compiler options for vite-plugin-svelte and svelte-check: runes everywhere.
export default {
  compilerOptions: { runes: true }
}
