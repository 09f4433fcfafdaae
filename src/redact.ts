/**
 * The one redaction the project prints through: credentials in URLs (a node provider's API key in the path,
 * `…/v3/<key>`; a password in the userinfo, `postgres://user:pw@host`; a token in the query, `?apikey=…`) never reach
 * a log line, an error message, `/health` or the command line's output.
 *
 * - {@link redactUrl} keeps the scheme, host, port and the path's plain words, and replaces the userinfo's password,
 *   each path segment that looks like a token and every query value with `***`.
 * - {@link redactText} does that to every URL in a text, and also removes every secret of the `known` URLs wherever
 *   it appears on its own (an upstream error body that echoes the key: "invalid project id <key>").
 * @module
 */

/** What replaces a secret. */
export const REDACTED = "***";

/**
 * Whether a URL path segment may be a credential: anything but a short plain word (`v1`, `rpc`, `messages`,
 * `ext:bor`). A 0x-prefixed hash (a message's keccak256) is data, not a credential, and is kept.
 */
function tokenLike(segment: string): boolean {
  if (segment === "" || /^0x[0-9a-fA-F]{64}$/.test(segment)) return false;
  if (segment.length <= 8 && /^[a-z]+[0-9]{0,2}$/i.test(segment)) return false;
  return /[0-9A-Z_]/.test(segment) || segment.length > 16;
}

/** The credentials of one URL: the password (or a lone user name), the token-like path segments, the query values. */
function secretsOf(url: URL): string[] {
  const secrets: string[] = [];
  if (url.password !== "") secrets.push(decodeURIComponent(url.password), url.password);
  else if (url.username !== "") secrets.push(decodeURIComponent(url.username), url.username);
  for (const segment of url.pathname.split("/")) {
    if (tokenLike(segment)) secrets.push(segment, decodeURIComponent(segment));
  }
  for (const [, value] of url.searchParams) if (value !== "") secrets.push(value);
  return secrets;
}

function parsed(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * The URL with its credentials replaced by `***`; a string that is not a URL is returned whole when it holds no
 * `user:password@`, else with the password replaced.
 * @example redactUrl("https://user:pw@mainnet.example/v3/0123abcd…?key=s") // "https://user:***@mainnet.example/v3/***?key=***"
 */
export function redactUrl(text: string): string {
  const url = parsed(text);
  if (url === undefined || url.host === "") return text.replace(/(\/\/[^:/?#@\s]*:)[^@/?#\s]*@/g, `$1${REDACTED}@`);
  let out = `${url.protocol}//`;
  if (url.password !== "") out += `${url.username}:${REDACTED}@`;
  else if (url.username !== "") out += `${REDACTED}@`;
  out += url.host;
  out += url.pathname
    .split("/")
    .map((segment) => (tokenLike(segment) ? REDACTED : segment))
    .join("/");
  const query = [...url.searchParams.keys()].map((name) => `${name}=${REDACTED}`).join("&");
  if (query !== "") out += `?${query}`;
  if (url.hash !== "") out += `#${REDACTED}`;
  // `new URL` adds a "/" to a bare origin: keep the text's own form.
  return text.endsWith("/") || url.pathname !== "/" || url.search !== "" ? out : out.replace(/\/$/, "");
}

/** A URL inside free text: a scheme, `://`, then anything up to a space, a quote or a closing bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`)\]}]+/gi;

/**
 * The text with every URL's credentials redacted ({@link redactUrl}) and every secret of the `known` URLs (the RPC
 * URL, the database URL) replaced by `***` wherever it stands.
 * @param known URLs whose secrets must not appear anywhere in the text; undefined entries are skipped
 * @example redactText(`bad response from ${rpcUrl}: invalid project id ${key}`, [rpcUrl])
 */
export function redactText(text: string, known: readonly (string | undefined)[] = []): string {
  let out = text.replace(URL_IN_TEXT, (match) => redactUrl(match));
  const secrets = known
    .flatMap((k) => {
      const url = k === undefined ? undefined : parsed(k);
      return url === undefined ? [] : secretsOf(url);
    })
    // Short values (a query flag "1") would redact ordinary words; credentials are longer.
    .filter((s) => s.length >= 6 && s !== REDACTED)
    .sort((a, b) => b.length - a.length);
  for (const secret of new Set(secrets)) out = out.split(secret).join(REDACTED);
  return out;
}
