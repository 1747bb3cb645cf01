import { InvalidInputError } from '../../errors.js';

/** A link a document may hold: http or https, without credentials; returns it normalised. */
export function checkExternalUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidInputError('external_url', `${JSON.stringify(raw.slice(0, 100))} is not a URL; give a full http:// or https:// address`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidInputError('external_url', `only http and https links are allowed, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new InvalidInputError('external_url', 'must not contain a user name or password; store credentials elsewhere');
  }
  return url.href;
}
