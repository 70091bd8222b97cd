/**
 * Passwords: the rules a new one must meet, hashing with argon2id (through @node-rs/argon2,
 * which ships prebuilt binaries and needs no install script), and one-time passwords for new
 * accounts and resets. Breached-password lists are not consulted: that needs a list shipped
 * with the system or a call to an outside service, and the API makes no outside calls.
 */
import { randomBytes } from 'node:crypto';

import { hash, verify } from '@node-rs/argon2';

export const passwordLengthMin = 12;
export const passwordLengthMax = 256;

/**
 * Why a password cannot be used, in words for the person choosing it, or null when it can.
 * Length is counted in characters as a person sees them (code points), not UTF-16 units.
 */
export function passwordProblem(password: string, email: string): string | null {
  const length = [...password].length;
  if (length < passwordLengthMin) {
    return `must be at least ${passwordLengthMin} characters long`;
  }
  if (length > passwordLengthMax) {
    return `must be at most ${passwordLengthMax} characters long`;
  }
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) {
    return 'must not be the email address';
  }
  if (new Set(password).size < 4) {
    return 'must use more than a few different characters';
  }
  return null;
}

/**
 * argon2id, the library's default algorithm, with its default cost (19 MiB, 2 passes, one
 * lane): OWASP's recommended minimum, about 50 ms here. The hash names its algorithm and cost,
 * so raising them later still verifies older hashes.
 */
export async function hashPassword(password: string): Promise<string> {
  return hash(comparable(password));
}

/** Whether the password matches the stored hash; a malformed hash never matches. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, comparable(password));
  } catch {
    return false;
  }
}

/**
 * The form a password is hashed and checked in: Unicode NFKC, so the same letters typed on
 * another keyboard or phone (a composed or decomposed é, full-width forms) still match.
 */
function comparable(password: string): string {
  return password.normalize('NFKC');
}

/**
 * A password to hand to a person once, who must replace it at first sign-in: 20 characters
 * from an alphabet without look-alikes (no 0/O, 1/l/I), about 115 bits.
 */
export function generateOneTimePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(40);
  let password = '';
  for (const byte of bytes) {
    // Rejection sampling keeps every character equally likely.
    if (byte < 256 - (256 % alphabet.length)) {
      password += alphabet[byte % alphabet.length];
    }
    if (password.length === 20) {
      return password;
    }
  }
  return password + generateOneTimePassword().slice(password.length);
}

let decoyHash: Promise<string> | undefined;

/**
 * A hash to verify against when the email names nobody, so that answering "no such person"
 * takes as long as a wrong password and the timing does not tell which emails exist.
 */
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return decoyHash;
}
