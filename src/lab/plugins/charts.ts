/**
 * The charts plugin: benchmark results files open as speedup and efficiency
 * charts with their table (the file type and a document widget factory),
 * and `mpijob:open-chart` overlays several of them.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ILayoutRestorer } from '@jupyterlab/application';
import {
  ICommandPalette,
  IThemeManager,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { IDocumentWidget } from '@jupyterlab/docregistry';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import type { ResultsSource } from '../bench/resultsSource';
import { readResultsText } from '../bench/resultsSource';
import {
  BenchResultsFactory,
  BenchResultsPanel,
  RESULTS_FACTORY,
  RESULTS_FILE_PATTERN,
  RESULTS_FILE_TYPE
} from '../bench/resultsWidget';
import { CommandIDs } from '../commands';
import { benchChartIcon } from '../icons';
import { errorMessage } from '../../core/errors';

/** Paths named by command arguments: `paths`, else `path`. */
function pathsFromArgs(args: Record<string, unknown>): string[] {
  if (Array.isArray(args.paths)) {
    return args.paths.filter((p): p is string => typeof p === 'string');
  }
  return typeof args.path === 'string' ? [args.path] : [];
}

/** Shows benchmark results files as charts and tables. */
export const chartsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mpijob:charts',
  description:
    'Opens benchmark results files as speedup and efficiency charts with their table, one file or several overlaid.',
  autoStart: true,
  requires: [],
  optional: [
    ITranslator,
    IThemeManager,
    ILayoutRestorer,
    IDefaultFileBrowser,
    ICommandPalette
  ],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    themeManager: IThemeManager | null,
    restorer: ILayoutRestorer | null,
    fileBrowser: IDefaultFileBrowser | null,
    palette: ICommandPalette | null
  ): void => {
    const translatorOrNull = translator ?? nullTranslator;
    const trans = translatorOrNull.load('jupyterlab_mpijob');
    const { commands, docRegistry, serviceManager } = app;

    docRegistry.addFileType({
      name: RESULTS_FILE_TYPE,
      displayName: trans.__('MPIJob benchmark results'),
      extensions: [],
      pattern: RESULTS_FILE_PATTERN,
      mimeTypes: ['application/json'],
      contentType: 'file',
      fileFormat: 'text',
      icon: benchChartIcon
    });
    const factory = new BenchResultsFactory({
      name: RESULTS_FACTORY,
      label: trans.__('MPIJob Benchmark'),
      fileTypes: [RESULTS_FILE_TYPE, 'json'],
      defaultFor: [RESULTS_FILE_TYPE],
      readOnly: true,
      translator: translatorOrNull,
      themeManager
    });
    docRegistry.addWidgetFactory(factory);

    const documents = new WidgetTracker<IDocumentWidget<BenchResultsPanel>>({
      namespace: 'mpijob-bench-results'
    });
    factory.widgetCreated.connect((_, widget) => {
      widget.context.pathChanged.connect(() => void documents.save(widget));
      void documents.add(widget);
    });
    const comparisons = new WidgetTracker<MainAreaWidget<BenchResultsPanel>>({
      namespace: 'mpijob-bench-compare'
    });
    const comparedPaths = new WeakMap<BenchResultsPanel, string[]>();

    const read = async (path: string): Promise<ResultsSource> => {
      try {
        const model = await serviceManager.contents.get(path, {
          type: 'file',
          format: 'text',
          content: true
        });
        return readResultsText(path, String(model.content ?? ''));
      } catch (error) {
        return {
          path,
          ok: false,
          problems: [
            {
              path: '',
              message: trans.__('cannot be read: %1', errorMessage(error))
            }
          ]
        };
      }
    };

    const selectedJson = (): string[] =>
      fileBrowser
        ? [...fileBrowser.selectedItems()]
            .filter(item => item.type !== 'directory')
            .filter(item => PathExt.extname(item.path) === '.json')
            .map(item => item.path)
        : [];

    commands.addCommand(CommandIDs.openChart, {
      label: args => {
        const count = pathsFromArgs(args).length || selectedJson().length;
        return count > 1
          ? trans.__('Compare %1 Benchmark Results', count)
          : trans.__('Open as Benchmark Chart');
      },
      caption: trans.__(
        'Show benchmark results files as speedup and efficiency charts with their tables'
      ),
      icon: args => (args.isPalette ? undefined : benchChartIcon),
      isEnabled: args =>
        pathsFromArgs(args).length > 0 || selectedJson().length > 0,
      execute: async args => {
        const paths = pathsFromArgs(args);
        const chosen = paths.length > 0 ? paths : selectedJson();
        if (chosen.length === 0) {
          return;
        }
        if (chosen.length === 1) {
          return commands.execute('docmanager:open', {
            path: chosen[0],
            factory: RESULTS_FACTORY
          });
        }
        const key = chosen.join('\n');
        let widget = comparisons.find(
          w => comparedPaths.get(w.content)?.join('\n') === key
        );
        if (!widget) {
          const content = new BenchResultsPanel({
            translator: translatorOrNull,
            themeManager
          });
          comparedPaths.set(content, chosen);
          widget = new MainAreaWidget({ content });
          widget.id = `mpijob-bench-compare-${Date.now()}`;
          widget.addClass('mpijob-BenchResultsDocument');
          widget.title.label = trans.__(
            'Benchmarks: %1',
            chosen.map(p => PathExt.basename(p, '.json')).join(', ')
          );
          widget.title.caption = chosen.join('\n');
          widget.title.icon = benchChartIcon;
          widget.title.closable = true;
          void comparisons.add(widget);
          app.shell.add(widget, 'main');
          content.sources = await Promise.all(chosen.map(read));
        }
        app.shell.activateById(widget.id);
        return widget;
      }
    });
    palette?.addItem({
      command: CommandIDs.openChart,
      category: trans.__('MPIJob')
    });

    if (restorer) {
      void restorer.restore(documents, {
        command: 'docmanager:open',
        args: widget => ({
          path: widget.context.path,
          factory: RESULTS_FACTORY
        }),
        name: widget => widget.context.path
      });
      void restorer.restore(comparisons, {
        command: CommandIDs.openChart,
        args: widget => ({ paths: comparedPaths.get(widget.content) ?? [] }),
        name: widget => (comparedPaths.get(widget.content) ?? []).join(':')
      });
    }
  }
};
