/**
 * Cell references in output and problems, which the views turn into links
 * to the notebook cell.
 */
import { cellRefOfProblem, splitCellRefs } from '../cellRefs';

describe('cell references', () => {
  it('split a traceback line around each reference', () => {
    expect(
      splitCellRefs(
        '  File "work/pi.ipynb", cell 3, line 7, in <module> and File "b.ipynb", cell 1, line 2'
      )
    ).toEqual([
      '  ',
      {
        text: 'File "work/pi.ipynb", cell 3, line 7',
        ref: { path: 'work/pi.ipynb', cell: 3, line: 7 }
      },
      ', in <module> and ',
      {
        text: 'File "b.ipynb", cell 1, line 2',
        ref: { path: 'b.ipynb', cell: 1, line: 2 }
      }
    ]);
  });

  it('leave a line without references whole', () => {
    expect(splitCellRefs('rank 0 of 2 on host')).toEqual([
      'rank 0 of 2 on host'
    ]);
  });

  it('read the cell of a problem path, line 1 when it names none', () => {
    expect(cellRefOfProblem('cell 2, line 5')).toEqual({
      path: null,
      cell: 2,
      line: 5
    });
    expect(cellRefOfProblem('cell 4')).toEqual({
      path: null,
      cell: 4,
      line: 1
    });
    expect(cellRefOfProblem('workers')).toBeNull();
  });
});
