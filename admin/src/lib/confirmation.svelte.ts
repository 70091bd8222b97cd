/**
 * Asking before a destructive action (disabling a person, revoking a token): a screen awaits
 * `confirmAction`, and the one ConfirmDialog in the layout shows the question as a modal
 * dialog. One question at a time; asking again while one is open answers the first with no.
 */

export interface ConfirmationRequest {
  /** The question, e.g. "Revoke the token “shop-sync”?" */
  title: string;
  /** What happens, in a sentence or two. */
  consequence: string;
  /** The confirming button's words, e.g. "Revoke token". */
  confirmLabel: string;
}

interface PendingConfirmation extends ConfirmationRequest {
  answer(isConfirmed: boolean): void;
}

class Confirmation {
  pending = $state<PendingConfirmation | null>(null);
}

export const confirmation = new Confirmation();

/** Resolves true when the person confirms, false when they cancel or dismiss the dialog. */
export function confirmAction(request: ConfirmationRequest): Promise<boolean> {
  confirmation.pending?.answer(false);
  return new Promise((resolve) => {
    confirmation.pending = {
      ...request,
      answer: (isConfirmed) => {
        confirmation.pending = null;
        resolve(isConfirmed);
      },
    };
  });
}
