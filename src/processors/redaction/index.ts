// The redaction processor engine: the whole public surface.
export { redactionConfigSchema, type RedactionConfig, type RedactionConfigInput } from './config.ts';
export { createRedactor, SUMMARY_ATTRIBUTE, type Redactor } from './redactor.ts';
export type { RedactionCount } from './counts.ts';
export { MissingHashKeyError } from './hasher.ts';
export { BUILTIN_DETECTORS, type BuiltinDetectorName } from './detectors/names.ts';
export { ACTION_NAMES, type ActionName } from './actions.ts';
