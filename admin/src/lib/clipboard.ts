/**
 * Copying text for the person, for secrets shown once. The clipboard is refused outside a
 * secure context (plain http on a host other than localhost) and when the page lacks focus;
 * the caller then offers the text selected instead.
 */

/** True once the text is on the clipboard; false when the browser refused. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
