/**
 * How the packaged program runs its cells: one by one, as a kernel does.
 * Python would run the file top to bottom; instead the prelude parses the
 * file and runs each cell's statements itself, with the cell's last bare
 * expression shown the way Jupyter shows it (its repr, unless it is None or
 * the line ends with `;`). The code keeps the file's name and line numbers,
 * so tracebacks still point at the program's lines, and the source map at
 * the notebook's cells.
 */

import { HOST_MARKER } from '../jobReport';

/** The marker line in front of each cell's lines (see ProgramBuilder). */
export const CELL_MARKER_PREFIX = '# %% [cell ';

/** Prelude lines: the runner, `display`, and the last expression's display. */
export const CELL_RUNNER = [
  'def _mpijob_show(value):',
  "    # What Jupyter shows under a cell: its last bare expression's repr, unless it is None.",
  '    if value is not None:',
  '        _mpijob_builtins._ = value',
  '        print(repr(value), flush=True)',
  '',
  '',
  'def _mpijob_display(*objs, **kwargs):',
  "    # IPython's display() outside a kernel prints its objects; notebooks call it without importing it.",
  '    print(*objs, flush=True)',
  '',
  '',
  'def _mpijob_rank():',
  "    # The MPI rank from the launcher's environment (no mpi4py needed): Open MPI, PMIx, Hydra.",
  '    env = _mpijob_os.environ',
  "    return int(next((env[k] for k in ('OMPI_COMM_WORLD_RANK', 'PMIX_RANK', 'PMI_RANK') if k in env), 0))",
  '',
  '',
  'def _mpijob_size():',
  '    env = _mpijob_os.environ',
  "    return int(next((env[k] for k in ('OMPI_COMM_WORLD_SIZE', 'PMI_SIZE') if k in env), 1))",
  '',
  '',
  'def _mpijob_run_cells(path):',
  '    import ast, bisect',
  "    with open(path, encoding='utf-8') as program:",
  "        lines = program.read().split('\\n')",
  `    starts = [n for n, line in enumerate(lines, 1) if line.startswith(${JSON.stringify(CELL_MARKER_PREFIX)})]`,
  "    tree = ast.parse('\\n'.join(lines), path)",
  '    global _mpijob_first_cell_line',
  '    _mpijob_first_cell_line = starts[0] if starts else len(lines) + 1',
  '    cells = {}',
  '    for node in tree.body:',
  '        if node.lineno > _mpijob_first_cell_line:',
  '            cells.setdefault(bisect.bisect_left(starts, node.lineno), []).append(node)',
  '    global _mpijob_current_cell',
  '    for index in sorted(cells):',
  '        marker = lines[starts[index - 1] - 1]',
  `        _mpijob_current_cell = int(marker[${CELL_MARKER_PREFIX.length}:-1])`,
  '        body = cells[index]',
  '        last = body[-1]',
  "        rest = lines[last.end_lineno - 1][last.end_col_offset:].split('#')[0].strip()",
  "        if isinstance(last, ast.Expr) and not rest.startswith(';'):",
  "            call = ast.Call(ast.Name('_mpijob_show', ast.Load()), [last.value], [])",
  '            body[-1] = ast.fix_missing_locations(ast.copy_location(ast.Expr(call), last))',
  "        exec(compile(ast.Module(body, []), path, 'exec'), globals())",
  '        _mpijob_save_figures(_mpijob_current_cell)',
  '',
  '',
  '_mpijob_first_cell_line = 0',
  '_mpijob_current_cell = 0'
];

/**
 * The last prelude lines: define `display` where the notebook expects it,
 * run the cells, and end before Python would run them a second time.
 */
export const RUN_CELLS = [
  '# Under a launcher: where this rank runs, for the job (the backend takes the line out of the log).',
  "if any(k in _mpijob_os.environ for k in ('OMPI_COMM_WORLD_RANK', 'PMIX_RANK', 'PMI_RANK')):",
  `    print(${JSON.stringify(HOST_MARKER)} + _mpijob_os.uname().nodename, flush=True)`,
  "if not hasattr(_mpijob_builtins, 'display'):",
  '    _mpijob_builtins.display = _mpijob_display',
  '_mpijob_run_cells(__file__)',
  'raise SystemExit(0)'
];
