// SvelteKit's ambient types for the admin. It keeps no server-side state of its own (the API
// token lives in the browser), so App.Locals and friends stay empty.
declare global {
  namespace App {}
}

export {};
