import type { HeaderValue } from '../http/response.js';

/**
 * Starlette's `add_vary_header(token)` for one token: appended to the `Vary`
 * header there is, once only, as a response object returned by several
 * requests passes through a middleware again and again.
 */
export function varyAdder(token: string): (headers: Record<string, HeaderValue>) => void {
  const present = new RegExp(`(^|,)\\s*${token}\\s*(,|$)`, 'i');
  return (headers) => {
    const existing = headers['vary'];
    if (existing === undefined) {
      headers['vary'] = token;
      return;
    }
    const text = [existing].flat().join(', ');
    if (!present.test(text)) headers['vary'] = `${text}, ${token}`;
  };
}
