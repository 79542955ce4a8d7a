/** The tenant header (Mimir/Loki/Tempo's), kept for tenant resolution whatever `metadata_headers` says. */
const TENANT_HEADER = 'x-scope-orgid';
/** Headers every receiver keeps for tenant resolution, whatever `metadata_headers` says. */
export const ALWAYS_KEPT: readonly string[] = [TENANT_HEADER];

/** The tenant a request claims in its header or metadata: its admission key when there is no auth. */
export function claimedTenant(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const value = headers[TENANT_HEADER];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `wanted` that keeps every header (a protocol's include_metadata). */
export const ALL_HEADERS: readonly string[] = ['*'];

/** Copies the wanted headers (never credentials) into batch metadata. */
export function pickHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, wanted: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  if (wanted === ALL_HEADERS) {
    for (const name in headers) if (!name.startsWith(':')) copy(headers, name, picked);
    return picked;
  }
  for (const name of ALWAYS_KEPT) copy(headers, name, picked);
  for (let i = 0; i < wanted.length; i++) copy(headers, wanted[i], picked);
  return picked;
}

function copy(headers: Readonly<Record<string, string | string[] | undefined>>, name: string, into: Record<string, string>): void {
  if (name === 'authorization') return;
  const value = headers[name];
  if (value === undefined) return;
  into[name] = Array.isArray(value) ? value.join(',') : value;
}
