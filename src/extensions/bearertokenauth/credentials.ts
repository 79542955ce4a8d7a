// Pulls the presented token out of request headers (HTTP headers or gRPC metadata, both with
// lower-cased names).

export type HeaderBag = Record<string, string | string[] | undefined>;

/** The token; `undefined` when no credential header is present; `null` when one is malformed. */
export type PresentedToken = string | undefined | null;

export class CredentialReader {
  #header: string;
  #schemeLower: string;
  #apiKeyHeader: string | undefined;

  constructor(header: string, scheme: string, apiKeyHeader: string | undefined) {
    this.#header = header;
    this.#schemeLower = scheme.toLowerCase();
    this.#apiKeyHeader = apiKeyHeader;
  }

  read(headers: HeaderBag): PresentedToken {
    const authorization = single(headers[this.#header]);
    // A present authorization header decides alone: falling through to the API key header on a
    // bad one would let a client shop between credentials.
    if (authorization !== undefined) return authorization === null ? null : this.#parseScheme(authorization);
    if (this.#apiKeyHeader === undefined) return undefined;
    const apiKey = single(headers[this.#apiKeyHeader]);
    if (apiKey === undefined || apiKey === null) return apiKey;
    const token = apiKey.trim();
    return token.length === 0 ? null : token;
  }

  #parseScheme(value: string): PresentedToken {
    const trimmed = value.trim();
    const space = trimmed.indexOf(' ');
    if (space <= 0) return null;
    if (trimmed.slice(0, space).toLowerCase() !== this.#schemeLower) return null;
    const token = trimmed.slice(space + 1).trim();
    return token.length === 0 ? null : token;
  }
}

/** One header value; `null` when the header is repeated (ambiguous), undefined when absent. */
function single(value: string | string[] | undefined): string | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (value.length === 0) return undefined;
  return value.length === 1 ? value[0] : null;
}
