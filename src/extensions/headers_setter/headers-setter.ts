import { findHeader, setHeader, type ClientAuthenticator } from '../../core/auth.ts';
import type { RequestMetadata } from '../../core/metadata.ts';
import type { HeaderRule } from './config.ts';

/** Applies the rules in order to each outgoing request's headers. */
export class HeadersSetter implements ClientAuthenticator {
  readonly #rules: ReadonlyArray<HeaderRule & { contextKey: string | undefined }>;

  constructor(rules: readonly HeaderRule[]) {
    // Metadata header names are lower-cased by the receivers; lower-case once here.
    this.#rules = rules.map((rule) => ({ ...rule, contextKey: rule.from_context?.toLowerCase() }));
  }

  authorize(headers: Record<string, string>, metadata: RequestMetadata): void {
    for (let i = 0; i < this.#rules.length; i++) {
      const rule = this.#rules[i];
      const existing = findHeader(headers, rule.key);
      if (rule.action === 'delete') {
        if (existing !== undefined) delete headers[existing];
        continue;
      }
      if (rule.action === 'insert' && existing !== undefined) continue;
      if (rule.action === 'update' && existing === undefined) continue;
      const value = rule.contextKey !== undefined ? (metadata.headers[rule.contextKey] ?? rule.default_value) : rule.value;
      if (value === undefined || value === '') continue;
      setHeader(headers, rule.key, value);
    }
  }

  shutdown(): void {}
}
