/**
 * Figures of a notebook in a job. Jupyter's inline backend shows the
 * figures a cell leaves open (or shows) under the cell and closes them; in
 * the job, matplotlib draws with Agg behind a backend of ours whose `show()`
 * keeps the figures instead, and the runner keeps what a cell left open.
 * Each kept figure is a PNG file of the job, printed as chunk lines (see
 * core/jobFiles.ts) that the backend turns back into a file.
 */
import type { FigureRanks } from '../jobFiles';
import { FILE_CHUNK_CHARS, FILE_MARKER } from '../jobFiles';
import { pythonString } from './pythonText';

/**
 * Prelude lines for figures.
 *
 * @param ranks - which ranks keep their figures
 * @returns the lines (they use `_mpijob_rank()` and `_mpijob_current_cell`)
 */
export function figureLines(ranks: FigureRanks): string[] {
  return [
    `_mpijob_figures = ${pythonString(ranks)}`,
    '_mpijob_figure_counts = {}',
    '',
    '',
    'def _mpijob_emit_file(name, data):',
    '    # A file of the job travels in its output: the backend takes these lines out of the log and keeps the file.',
    '    import base64',
    "    text = base64.b64encode(data).decode('ascii')",
    `    parts = [text[i:i + ${FILE_CHUNK_CHARS}] for i in range(0, len(text), ${FILE_CHUNK_CHARS})] or ['']`,
    '    out = _mpijob_sys.stdout',
    '    out.flush()',
    '    for i, part in enumerate(parts, 1):',
    `        out.write(${pythonString(FILE_MARKER)} + '%d/%d %s %s\\n' % (i, len(parts), name, part))`,
    '    out.flush()',
    '',
    '',
    'def _mpijob_save_figures(cell):',
    "    # As the inline backend shows a cell's open figures and closes them: each becomes a PNG file of the job.",
    "    pyplot = _mpijob_sys.modules.get('matplotlib.pyplot')",
    '    if pyplot is None:',
    '        return',
    '    rank = _mpijob_rank()',
    "    if _mpijob_figures == 'all' or (_mpijob_figures == 'rank0' and rank == 0):",
    '        import io',
    '        for number in pyplot.get_fignums():',
    '            count = _mpijob_figure_counts[cell] = _mpijob_figure_counts.get(cell, 0) + 1',
    '            image = io.BytesIO()',
    "            pyplot.figure(number).savefig(image, format='png', bbox_inches='tight')",
    "            suffix = '-rank%d' % rank if _mpijob_figures == 'all' else ''",
    "            _mpijob_emit_file('cell%d-figure%d%s.png' % (cell, count, suffix), image.getvalue())",
    "    pyplot.close('all')",
    '',
    '',
    'class _mpijob_MplBackend:',
    '    # MPLBACKEND=module://_mpijob_mpl: Agg draws; show() keeps the figures, as the inline backend shows them.',
    '    @staticmethod',
    '    def find_spec(name, path=None, target=None):',
    "        if name != '_mpijob_mpl':",
    '            return None',
    '        import importlib.util',
    '        return importlib.util.spec_from_loader(name, _mpijob_MplBackend)',
    '',
    '    @staticmethod',
    '    def create_module(spec):',
    '        return None',
    '',
    '    @staticmethod',
    '    def exec_module(module):',
    '        from matplotlib.backend_bases import FigureManagerBase',
    '        from matplotlib.backends.backend_agg import FigureCanvasAgg',
    '        module.FigureCanvas = FigureCanvasAgg',
    '        module.FigureManager = FigureManagerBase',
    '        module.show = lambda *args, **kwargs: _mpijob_save_figures(_mpijob_current_cell)',
    '',
    '',
    '_mpijob_sys.meta_path.append(_mpijob_MplBackend)',
    "_mpijob_os.environ.setdefault('MPLBACKEND', 'module://_mpijob_mpl')"
  ];
}
