/** The nonce of a webview page's Content Security Policy, new for every page load: the one generator of both webviews. No VS Code import. */
import { randomBytes } from 'node:crypto';

/** 24 random alphanumeric characters (18 random bytes in base64, without + / =). */
export function createNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}
