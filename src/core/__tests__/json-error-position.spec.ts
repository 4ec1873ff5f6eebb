/**
 * Where JSON text breaks, as the service and the notebook reader word it:
 * the first offending character, its line and column (any line end), and
 * its offset, at any nesting depth.
 */
import fc from 'fast-check';

import { jsonErrorDetail } from '../jsonErrorPosition';

function detail(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return jsonErrorDetail(error, text);
  }
  throw new Error(`valid JSON: ${text}`);
}

describe('JSON error positions', () => {
  it('name the character, line, column and offset', () => {
    expect(detail('{"spec": {\n  "name": }\n}')).toBe(
      'unexpected "}" at line 2, column 11 (position 21)'
    );
    expect(detail('[1,\r\n2,\r3 4]')).toBe(
      'unexpected "4" at line 3, column 3 (position 10)'
    );
  });

  it('name the end of a text that stops early, however deep', () => {
    const deep = '['.repeat(100_000);
    expect(detail(deep)).toBe(
      'unexpected end of input at line 1, column 100001 (position 100000)'
    );
  });

  it('point inside the text for any valid JSON cut short', () => {
    fc.assert(
      fc.property(
        fc.json().filter(t => t.length > 1),
        fc.nat(),
        (text, at) => {
          const cut = text.slice(0, 1 + (at % (text.length - 1)));
          let valid = true;
          try {
            JSON.parse(cut);
          } catch {
            valid = false;
          }
          fc.pre(!valid);
          const position = Number(/position (\d+)\)$/.exec(detail(cut))?.[1]);
          expect(position).toBeLessThanOrEqual(cut.length);
        }
      )
    );
  });
});
