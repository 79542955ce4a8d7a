// Actions are small integers on the hot path; their names exist for config and counts only.
export const ACTION_NAMES = ['mask', 'hash', 'drop_attribute', 'drop_record', 'truncate'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export const MASK = 0;
export const HASH = 1;
export const DROP_ATTRIBUTE = 2;
export const DROP_RECORD = 3;
export const TRUNCATE = 4;
export const ACTION_COUNT = ACTION_NAMES.length;

export function actionCode(name: ActionName): number {
  return ACTION_NAMES.indexOf(name);
}

/** The text that replaces a masked match. */
export const MASK_TEXT = '****';
