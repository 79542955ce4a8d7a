// Attribute actions and include/exclude matching, shared by the attributes and resource processors.
export { ACTIONS, actionSchema, matchPropertiesSchema, type ActionConfig, type ActionName, type ConfigValue, type MatchProperties } from './config.ts';
export { compileActions, configToAny, sha1Value, type AttributeEdit } from './actions.ts';
export { compileIncludeExclude, compileMatch, matchProblems, type MatchSubject } from './match.ts';
