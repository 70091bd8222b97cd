/**
 * Password rules, argon2id hashing and one-time passwords, without a database.
 */
import { describe, expect, it } from 'vitest';

import {
  generateOneTimePassword,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from './passwords.ts';

describe('passwordProblem', () => {
  it('accepts a long passphrase', () => {
    expect(passwordProblem('correct horse battery staple', 'ann@example.com')).toBeNull();
  });

  it('names what is wrong with a short, overlong, email-like or repetitive password', () => {
    expect(passwordProblem('short pass', 'ann@example.com')).toBe(
      'must be at least 12 characters long',
    );
    expect(passwordProblem('x'.repeat(255) + 'yz', 'ann@example.com')).toBe(
      'must be at most 256 characters long',
    );
    expect(passwordProblem(' Ann@Example.com ', 'ann@example.com')).toBe(
      'must not be the email address',
    );
    expect(passwordProblem('abababababababab', 'ann@example.com')).toBe(
      'must use more than a few different characters',
    );
  });

  it('counts characters as a person sees them, not UTF-16 units', () => {
    expect(passwordProblem('🐈🐕🐄🐖🐑🐓', 'ann@example.com')).toBe(
      'must be at least 12 characters long',
    );
  });
});

describe('hashPassword', () => {
  it('hashes with argon2id and verifies only the same password', async () => {
    const hash = await hashPassword('correct horse battery staple');

    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });
});

describe('verifyPassword', () => {
  it('matches the same letters typed composed or decomposed', async () => {
    const hash = await hashPassword('caf\u00e9 au lait tous les jours');

    expect(await verifyPassword(hash, 'cafe\u0301 au lait tous les jours')).toBe(true);
    expect(await verifyPassword(hash, 'cafe au lait tous les jours')).toBe(false);
  });
});

describe('generateOneTimePassword', () => {
  it('gives 20 characters without look-alikes, different each time', () => {
    const passwords = new Set(Array.from({ length: 50 }, () => generateOneTimePassword()));

    expect(passwords.size).toBe(50);
    for (const password of passwords) {
      expect(password).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{20}$/);
      expect(passwordProblem(password, 'ann@example.com')).toBeNull();
    }
  });
});
