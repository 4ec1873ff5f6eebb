/**
 * Where a JSON text breaks. Engines word JSON.parse errors differently and do
 * not all give a position, so the position is found here, for messages only.
 */

import { errorMessage } from './errors';

/**
 * Describes where and how a JSON text that JSON.parse rejected is broken.
 *
 * @param error - what JSON.parse threw, used when no position can be found
 * @param text - the text JSON.parse rejected
 * @returns e.g. `unexpected "}" at line 3, column 7 (position 40)`
 */
export function jsonErrorDetail(error: unknown, text: string): string {
  const offset = jsonErrorOffset(text);
  if (offset < 0) {
    return errorMessage(error);
  }
  const before = text.slice(0, offset).split(/\r\n|\r|\n/);
  const where = `line ${before.length}, column ${before[before.length - 1].length + 1} (position ${offset})`;
  return offset >= text.length
    ? `unexpected end of input at ${where}`
    : `unexpected ${JSON.stringify(String.fromCodePoint(text.codePointAt(offset) ?? 0))} at ${where}`;
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Offset of the first JSON syntax error in `text`, or -1 when it has none. Only runs after
 * JSON.parse has failed, so it favours brevity over speed; an explicit stack instead of
 * recursion copes with any nesting depth.
 */
function jsonErrorOffset(text: string): number {
  const containers: string[] = [];
  let expecting: 'value' | 'key' | 'next' = 'value';
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) {
      i++;
    }
  };
  // Leaves i at the first character that breaks the string when there is one.
  const matchString = (): boolean => {
    if (text.charAt(i) !== '"') {
      return false;
    }
    for (let j = i + 1; j < text.length; j++) {
      const code = text.charCodeAt(j);
      if (code === 34) {
        i = j + 1;
        return true;
      }
      if (code < 32) {
        i = j;
        return false;
      }
      if (code === 92) {
        const escape = text.charAt(j + 1);
        if (
          escape === 'u' &&
          /^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))
        ) {
          j += 5;
        } else if ('"\\/bfnrt'.includes(escape) && escape !== '') {
          j++;
        } else {
          i = j;
          return false;
        }
      }
    }
    i = text.length;
    return false;
  };
  const match = (pattern: RegExp): boolean => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) {
      return false;
    }
    i = pattern.lastIndex;
    return true;
  };
  for (;;) {
    skipSpace();
    const char = text.charAt(i);
    if (expecting === 'next' && containers.length === 0) {
      return i < text.length ? i : -1;
    }
    if (i >= text.length) {
      return i;
    }
    if (expecting === 'key') {
      if (!matchString()) {
        return i;
      }
      skipSpace();
      if (text.charAt(i) !== ':') {
        return i;
      }
      i++;
      expecting = 'value';
    } else if (expecting === 'next') {
      const open = containers[containers.length - 1];
      if (char === ',') {
        i++;
        expecting = open === '{' ? 'key' : 'value';
      } else if (char === (open === '{' ? '}' : ']')) {
        i++;
        containers.pop();
      } else {
        return i;
      }
    } else if (char === '{' || char === '[') {
      i++;
      skipSpace();
      if (text.charAt(i) === (char === '{' ? '}' : ']')) {
        i++;
        expecting = 'next';
      } else {
        containers.push(char);
        expecting = char === '{' ? 'key' : 'value';
      }
    } else {
      const literal = ['true', 'false', 'null'].find(word =>
        text.startsWith(word, i)
      );
      if (literal) {
        i += literal.length;
      } else if (!(char === '"' ? matchString() : match(JSON_NUMBER))) {
        return i;
      }
      expecting = 'next';
    }
  }
}
