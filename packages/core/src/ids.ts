import { randomBytes } from 'node:crypto';

/** A new random id with a kind prefix (`tok_`, `usr_`, `res_`): unguessable, URL-safe, short. */
export function newId(kind: 'tok' | 'usr' | 'res'): string {
  return `${kind}_${randomBytes(9).toString('base64url')}`;
}
