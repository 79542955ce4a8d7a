import type { Signal } from '../otlp/types.ts';

// What the graph build tells a component about where it sits, so a factory can check what its
// schema alone cannot see: the extensions it names, the pipeline around it, its position there.
// Views only: nothing here is running yet, and `sluice validate` builds the same views as `run`.

/** One problem, with the config path of the value to fix (`processors.routing.table[0].exporters[1]`). */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * What an extension offers other components; a factory declares it in `provides` (or, when it
 * depends on the config, `capabilities`). `authenticator` checks incoming requests (receivers'
 * auth); `client_authenticator` adds credentials to outgoing ones (exporters' auth).
 */
export type ExtensionCapability = 'authenticator' | 'client_authenticator' | 'storage';

export interface ExtensionView {
  id: string;
  type: string;
  /** Undefined when its type is unknown (that problem is reported on its own). */
  provides: readonly ExtensionCapability[] | undefined;
  /** Listed in `service.extensions`, so it will be started. */
  enabled: boolean;
}

/** A component as a pipeline lists it. `config` is undefined when its own config has problems. */
export interface NodeView {
  id: string;
  type: string;
  config: unknown;
  /** For receivers: the request headers it copies into batch metadata; undefined when it cannot say. */
  metadataHeaders?: readonly string[];
}

export interface PipelineView {
  id: string;
  signal: Signal;
  /** `service.pipelines.<id>` */
  path: string;
  receivers: readonly NodeView[];
  /** In order: a batch meets processors[0] first. */
  processors: readonly NodeView[];
  exporters: readonly NodeView[];
}

/** An address a component listens on, with the path (inside its config) of the field that sets it. */
export interface ListenEndpoint {
  /** Relative to the component's config: `protocols.grpc.endpoint`. */
  path: string;
  /** host:port, as validated by config/units.ts's listenEndpoint(). */
  endpoint: string;
}

export interface GraphContext<C> {
  /** `type` or `type/name`. */
  id: string;
  /** Where this component's config sits (`receivers.otlp`); problem paths start here. */
  path: string;
  config: C;
  /** The pipelines that list this component, in config order. */
  pipelines: readonly PipelineView[];
  /** Every extension defined under `extensions`, by id. */
  extensions: ReadonlyMap<string, ExtensionView>;
}

const CAPABILITY_NAMES: Record<ExtensionCapability, string> = {
  authenticator: 'an authenticator extension',
  client_authenticator: 'a client authenticator extension (one that adds credentials to outgoing requests)',
  storage: 'a storage extension',
};

/**
 * The problem with a reference to an extension that must offer `capability`, or undefined when it
 * is sound: defined, of the right kind, and started by `service.extensions`.
 */
export function extensionReferenceProblem(
  extensions: ReadonlyMap<string, ExtensionView>,
  id: string,
  capability: ExtensionCapability,
  path: string,
): ConfigProblem | undefined {
  const extension = extensions.get(id);
  const offering = [...extensions.values()].filter((e) => e.provides?.includes(capability)).map((e) => `"${e.id}"`);
  const known = offering.length > 0 ? ` (defined ${capability} extensions: ${offering.join(', ')})` : '';
  if (extension === undefined) return { path, message: `extension "${id}" is not defined under extensions${known}` };
  if (extension.provides === undefined) return undefined;
  const type = extension.type === id ? '' : ` (${extension.type})`;
  const what = CAPABILITY_NAMES[capability];
  if (!extension.provides.includes(capability)) return { path, message: `extension "${id}"${type} is not ${what}${known}` };
  if (!extension.enabled) return { path, message: `extension "${id}" is not started: add it to service.extensions` };
  return undefined;
}

/**
 * A processor that reads a request header from batch metadata sees it only if every receiver of
 * its pipelines passes it on: one problem per receiver that does not (and can say so).
 */
export function unforwardedHeaderProblems(pipelines: readonly PipelineView[], header: string, path: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const pipeline of pipelines) {
    for (const receiver of pipeline.receivers) {
      if (receiver.metadataHeaders === undefined || receiver.metadataHeaders.includes(header)) continue;
      problems.push({ path, message: `receiver "${receiver.id}" of pipeline ${pipeline.id} does not pass header "${header}" on: add it to receivers.${receiver.id}.metadata_headers` });
    }
  }
  return problems;
}
