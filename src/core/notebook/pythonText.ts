/**
 * Writing arbitrary text into generated Python source, as a string literal or
 * inside a comment, so that the program always stays valid Python.
 */

/**
 * Spells text as a Python string literal.
 *
 * @param text - any text
 * @returns a double-quoted Python `str` literal
 */
export function pythonString(text: string): string {
  // JSON string syntax is a subset of Python's: the result is a valid str literal.
  return JSON.stringify(text);
}

/**
 * Makes text safe to put after `#` on one line of Python.
 *
 * @param text - one line of text
 * @returns the text with the characters Python refuses in source replaced
 */
export function commentText(text: string): string {
  // Python refuses source files containing NUL, even in comments.
  return text.replace(/\0/g, '\uFFFD');
}
