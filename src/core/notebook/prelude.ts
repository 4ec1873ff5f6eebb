/**
 * The generated prelude at the top of every program: imports under private
 * names, an excepthook that stops all MPI ranks when one fails, stderr
 * marking for the local backend, and only the helpers that the translated
 * IPython syntax calls.
 */

import { STDERR_MARK, STDERR_MARK_ENV } from '../mpiOutput';
import type { FigureRanks } from '../jobFiles';
import { CELL_RUNNER, RUN_CELLS } from './cellRunner';
import { figureLines } from './figures';
import { ON_TARGETS } from './ipyparallel';
import { commentText, pythonString } from './pythonText';

/** The generated helpers a program calls; each one is only defined when used. */
export interface IHelpers {
  /** `_mpijob_expand` is used. */
  expand: boolean;
  /** `_mpijob_shell` is used. */
  shell: boolean;
  /** `_mpijob_writefile` is used. */
  writefile: boolean;
  /** `_mpijob_on_targets` is used (`%px --targets`). */
  targets: boolean;
}

const EXCEPTHOOK = [
  'def _mpijob_excepthook(kind, error, trace):',
  "    # The runner's own frames come first; the traceback starts at the cell, as in Jupyter.",
  '    while trace is not None and trace.tb_next is not None and trace.tb_frame.f_code.co_filename == __file__ and trace.tb_lineno < _mpijob_first_cell_line:',
  '        trace = trace.tb_next',
  '    if isinstance(error, BaseException):',
  '        error.__traceback__ = trace',
  '    # One failing rank must stop all ranks: the others would otherwise wait forever in their next collective call.',
  '    _mpijob_sys.__excepthook__(kind, error, trace)',
  '    _mpijob_sys.stderr.flush()',
  "    mpi = _mpijob_sys.modules.get('mpi4py.MPI')",
  '    try:',
  '        if mpi is not None and mpi.Is_initialized() and not mpi.Is_finalized() and mpi.COMM_WORLD.Get_size() > 1:',
  '            _mpijob_drain_output()',
  '            mpi.COMM_WORLD.Abort(1)',
  '    except Exception:',
  '        pass',
  '',
  '',
  'def _mpijob_drain_output():',
  "    # Abort makes mpirun (MPICH's at once) kill every rank, with what is still unread in their pipes lost: the traceback just printed among it. Wait, briefly, until mpirun's side has read this rank's pipes.",
  '    import fcntl, stat, struct, termios, time',
  '    deadline = time.monotonic() + 2',
  '    for fd in (1, 2):',
  '        try:',
  '            if not stat.S_ISFIFO(_mpijob_os.fstat(fd).st_mode):',
  '                continue',
  "            while struct.unpack('i', fcntl.ioctl(fd, termios.FIONREAD, bytes(4)))[0] > 0 and time.monotonic() < deadline:",
  '                time.sleep(0.002)',
  '        except OSError:',
  '            pass'
];

const MARKED_STDERR = [
  'class _mpijob_MarkedStderr:',
  "    # The local backend joins a rank's stderr to its stdout, so that its lines keep their order through mpirun; a mark at the start of each stderr line keeps those lines apart.",
  '    def __init__(self, stream):',
  '        self._mpijob_stream = stream',
  '        self._mpijob_fresh = True',
  '',
  '    def write(self, text):',
  '        if text:',
  "            parts = text.split('\\n')",
  '            last = len(parts) - 1',
  '            for i, part in enumerate(parts):',
  '                if (i > 0 or self._mpijob_fresh) and (part or i < last):',
  `                    parts[i] = ${pythonString(STDERR_MARK)} + part`,
  "            self._mpijob_fresh = text.endswith('\\n')",
  "            self._mpijob_stream.write('\\n'.join(parts))",
  '            self._mpijob_stream.flush()',
  '        return len(text)',
  '',
  '    def __getattr__(self, name):',
  '        return getattr(self._mpijob_stream, name)'
];

const EXPAND = [
  'class _mpijob_Formatter(_mpijob_string.Formatter):',
  "    # IPython's DollarFormatter: {expr} and $name are evaluated in the caller's namespace.",
  '    def parse(self, text):',
  '        for literal, field, spec, conversion in super().parse(text):',
  "            done, kept = 0, ''",
  `            for match in _mpijob_re.finditer(r"(.*?)\\$(\\$?[\\w\\.]+)(?=([^']*'[^']*')*[^']*$)", literal):`,
  '                before, name = match.group(1, 2)',
  "                if name.startswith('$'):",
  '                    kept += before + name',
  '                else:',
  "                    yield kept + before, name, '', None",
  "                    kept = ''",
  '                done = match.end()',
  '            yield kept + literal[done:], field, spec, conversion',
  '',
  '    def vformat(self, text, args, namespace):',
  '        parts = []',
  '        for literal, field, spec, conversion in self.parse(text):',
  '            parts.append(literal)',
  '            if field is not None:',
  "                value = eval(field + ':' + spec if spec else field, namespace)",
  "                parts.append(self.format_field(self.convert_field(value, conversion), ''))",
  "        return ''.join(parts)",
  '',
  '',
  'def _mpijob_expand(text, depth=1):',
  '    frame = _mpijob_sys._getframe(depth)',
  '    namespace = dict(frame.f_globals)',
  '    namespace.update(frame.f_locals)',
  '    try:',
  '        return _mpijob_Formatter().vformat(text, (), namespace)',
  '    except Exception:',
  '        # Like IPython: text that does not expand cleanly is used exactly as written.',
  '        return text'
];

const SHELL = [
  'def _mpijob_shell(command, program=None):',
  "    # Flush so that what the cell printed so far stays ahead of the command's output in the log.",
  '    _mpijob_sys.stdout.flush()',
  '    _mpijob_sys.stderr.flush()',
  '    if program is None:',
  '        _mpijob_subprocess.run(_mpijob_expand(command, 2), shell=True, check=True)',
  '    else:',
  '        _mpijob_subprocess.run([program], input=command, text=True, check=True)'
];

const WRITEFILE = [
  'def _mpijob_writefile(path, text, append=False):',
  '    path = _mpijob_os.path.expanduser(_mpijob_expand(path, 2))',
  '    if append:',
  "        with open(path, 'a', encoding='utf-8') as out:",
  '            out.write(text)',
  '        return',
  '    # Every rank writes the file; renaming a private copy into place means no rank reads it half-written.',
  "    temporary = '%s.%s.tmp' % (path, _mpijob_uuid.uuid4().hex)",
  "    with open(temporary, 'w', encoding='utf-8') as out:",
  '        out.write(text)',
  '    _mpijob_os.replace(temporary, path)'
];

/**
 * Writes the lines that come before the first cell.
 *
 * @param notebookPath - the notebook's path, named in the header comment
 * @param helpers - the helpers the cells call
 * @param futureImports - `from __future__` names, which Python only accepts first
 * @param figures - which ranks keep the figures their cells leave
 * @returns the prelude's lines, ending with an empty line
 */
export function buildPrelude(
  notebookPath: string,
  helpers: IHelpers,
  futureImports: readonly string[],
  figures: FigureRanks = 'rank0'
): string[] {
  const shell = helpers.shell;
  const writefile = helpers.writefile;
  const expand = helpers.expand || shell || writefile;
  const lines = [
    `# Generated by jupyterlab-mpijob from ${commentText(notebookPath.replace(/[\r\n]+/g, ' '))}: edit the notebook, not this file.`,
    '# The lines after each "# %% [cell N]" marker are cell N of the notebook, line for line.'
  ];
  if (futureImports.length > 0) {
    lines.push(`from __future__ import ${futureImports.join(', ')}`);
  }
  // Always: %env, %cd, %%writefile, --targets and the stderr marking use it.
  lines.push('import builtins as _mpijob_builtins', 'import os as _mpijob_os');
  if (expand) {
    lines.push('import re as _mpijob_re', 'import string as _mpijob_string');
  }
  if (shell) {
    lines.push('import subprocess as _mpijob_subprocess');
  }
  lines.push('import sys as _mpijob_sys');
  if (writefile) {
    lines.push('import uuid as _mpijob_uuid');
  }
  const blocks = [EXCEPTHOOK, MARKED_STDERR, CELL_RUNNER, figureLines(figures)];
  if (expand) {
    blocks.push(EXPAND);
  }
  if (shell) {
    blocks.push(SHELL);
  }
  if (writefile) {
    blocks.push(WRITEFILE);
  }
  if (helpers.targets) {
    blocks.push(ON_TARGETS);
  }
  for (const block of blocks) {
    lines.push('', '', ...block);
  }
  lines.push(
    '',
    '',
    `if _mpijob_os.environ.get(${pythonString(STDERR_MARK_ENV)}) == '1' and _mpijob_sys.stderr is not None:`,
    '    _mpijob_sys.stderr = _mpijob_MarkedStderr(_mpijob_sys.stderr)',
    '_mpijob_sys.excepthook = _mpijob_excepthook',
    "# Like a kernel: modules in the working directory (the notebook's folder) import.",
    "_mpijob_sys.path.insert(0, '')",
    ...RUN_CELLS,
    ''
  );
  return lines;
}
