import { Resolver as DnsClient } from 'node:dns/promises';
import type { Logger } from 'pino';
import { errorMessage } from '../../core/errors.ts';
import type { DnsResolverConfig } from './config.ts';

/** A source of backend endpoints (`host:port`), told to the exporter whenever the set changes. */
export interface BackendResolver {
  readonly kind: 'static' | 'dns';
  /** Resolves once the first answer (or failure) is in; `onChange` gets every new set, sorted. */
  start(onChange: (endpoints: string[]) => void): Promise<void>;
  shutdown(): void;
}

const DEFAULT_PORT = 4317;

export class StaticResolver implements BackendResolver {
  readonly kind = 'static';
  readonly #endpoints: string[];

  constructor(hostnames: readonly string[]) {
    this.#endpoints = [...new Set(hostnames.map((h) => (/:\d+$/.test(h) ? h : `${h}:${DEFAULT_PORT}`)))].sort();
  }

  async start(onChange: (endpoints: string[]) => void): Promise<void> {
    onChange(this.#endpoints);
  }

  shutdown(): void {}
}

/** Codes that mean "the name has no such records": an answer, unlike a timeout or a refusal. */
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

/**
 * Resolves a name's A and AAAA records every `interval`, as a Kubernetes headless Service needs:
 * each address is a backend at `port`. A failed resolution keeps the last good set, so a DNS
 * hiccup never empties the ring; so does an answer with no addresses at all, because routing
 * everything nowhere helps nobody (the previous backends' queues hold the data until one answers).
 */
export class DnsResolver implements BackendResolver {
  readonly kind = 'dns';
  readonly #config: DnsResolverConfig;
  readonly #logger: Logger;
  readonly #client: DnsClient;
  readonly #onResolution: (success: boolean) => void;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #last = '';

  constructor(config: DnsResolverConfig, logger: Logger, onResolution: (success: boolean) => void) {
    this.#config = config;
    this.#logger = logger;
    this.#onResolution = onResolution;
    this.#client = new DnsClient({ timeout: Math.max(1, config.timeout), tries: 1 });
    if (config.server !== undefined) this.#client.setServers([config.server]);
  }

  async start(onChange: (endpoints: string[]) => void): Promise<void> {
    const tick = async () => {
      await this.resolveOnce(onChange);
      if (!this.#stopped) this.#timer = setTimeout(tick, this.#config.interval);
    };
    await this.resolveOnce(onChange);
    if (!this.#stopped) this.#timer = setTimeout(tick, this.#config.interval);
  }

  async resolveOnce(onChange: (endpoints: string[]) => void): Promise<void> {
    const name = this.#config.hostname;
    const [v4, v6] = await Promise.allSettled([this.#client.resolve4(name), this.#client.resolve6(name)]);
    if (this.#stopped) return;
    const failures = [v4, v6].filter((r): r is PromiseRejectedResult => r.status === 'rejected' && !NO_RECORDS.has((r.reason as NodeJS.ErrnoException).code ?? ''));
    if (failures.length > 0) {
      this.#onResolution(false);
      this.#logger.warn({ hostname: name, error: errorMessage(failures[0].reason) }, 'loadbalancing: DNS resolution failed; keeping the last backend set');
      return;
    }
    this.#onResolution(true);
    const port = this.#config.port;
    const endpoints = [
      ...(v4.status === 'fulfilled' ? v4.value.map((ip) => `${ip}:${port}`) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((ip) => `[${ip}]:${port}`) : []),
    ].sort();
    if (endpoints.length === 0) {
      this.#logger.warn({ hostname: name }, 'loadbalancing: DNS name has no addresses; keeping the last backend set');
      return;
    }
    const key = endpoints.join(',');
    if (key === this.#last) return;
    this.#last = key;
    onChange(endpoints);
  }

  shutdown(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
