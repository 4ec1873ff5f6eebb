/**
 * The notebook's code compiled with this machine's Python before it goes
 * to a cluster. The image's Python runs the job, and it cannot be asked
 * from here; but a line Python 3 refuses here (Python 2's `print x`, a
 * stray shell line) fails on every rank of a Python 3 image too. So it is a
 * warning, not a refusal: the image's Python may be newer than this one.
 */
import type { IPreflightCheck } from '../../../core/jobRecord';
import type { IPackagedProgram } from '../../../core/notebook';
import { checkProgram } from '../programCheck';

/**
 * @param program - the packaged notebook
 * @param python - this machine's Python (`$MPIJOB_PYTHON`, else `python3`)
 * @returns the `program` check; null when no Python answers here
 */
export async function programSyntaxCheck(
  program: IPackagedProgram,
  python: string = process.env.MPIJOB_PYTHON || 'python3'
): Promise<IPreflightCheck | null> {
  const verdict = await checkProgram(python, program);
  if (verdict.unavailable !== null) {
    return null;
  }
  const here = `this machine's Python ${verdict.version ?? ''}`.trim();
  return verdict.syntax === null
    ? {
        name: 'program',
        ok: true,
        severity: 'warning',
        message: `the notebook's code compiles with ${here}`
      }
    : {
        name: 'program',
        ok: false,
        severity: 'warning',
        message: `${verdict.syntax.path}: ${verdict.syntax.message} (with ${here}; the image's Python runs the job, and a Python 3 there fails the same way)`,
        fix: "Fix that line in the notebook, or leave its cell out (Cells, or the 'skip-mpijob' tag)"
      };
}
