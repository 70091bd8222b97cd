// SvelteKit's ambient types for the admin. It keeps no server-side state of its own (the
// session is a cookie on the API's origin, read by the API alone), so App.Locals and friends
// stay empty.
declare global {
  namespace App {}
}

export {};
