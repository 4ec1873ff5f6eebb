/**
 * Widgets of the benchmark results viewer: a panel showing results files,
 * the document widget factory that opens one file in it (kept current as
 * the file changes), and the file type of results files.
 */
import type { IThemeManager } from '@jupyterlab/apputils';
import type {
  DocumentRegistry,
  IDocumentWidget
} from '@jupyterlab/docregistry';
import { ABCWidgetFactory, DocumentWidget } from '@jupyterlab/docregistry';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { benchChartIcon } from '../icons';
import type { ResultsSource } from './resultsSource';
import { readResultsText } from './resultsSource';
import { ResultsView } from './ResultsView';

/** Name of the results file type. */
export const RESULTS_FILE_TYPE = 'mpijob-bench-results';

/** Name of the widget factory (and its "Open With" entry). */
export const RESULTS_FACTORY = 'MPIJob Benchmark';

/**
 * Names of results files as `mpijob bench run` and the notebook benchmark
 * write them: `<name>-<YYYYMMDD-HHMMSS>.json`. They open in the viewer by
 * default; any other JSON file can be opened in it with Open With.
 */
export const RESULTS_FILE_PATTERN = '^[a-z][-a-z0-9]*-\\d{8}-\\d{6}\\.json$';

/** What a {@link BenchResultsPanel} needs. */
export interface IBenchResultsPanelOptions {
  /** The translator. */
  readonly translator: ITranslator;
  /** The theme manager, to redraw charts when the theme changes. */
  readonly themeManager: IThemeManager | null;
}

/** Shows results files: charts overlaid, a table each, problems of invalid ones. */
export class BenchResultsPanel extends ReactWidget {
  readonly #trans: TranslationBundle;
  readonly #themeManager: IThemeManager | null;
  #sources: readonly ResultsSource[] = [];

  /**
   * @param options - translator and theme manager
   */
  constructor(options: IBenchResultsPanelOptions) {
    super();
    this.#trans = options.translator.load('jupyterlab_mpijob');
    this.#themeManager = options.themeManager;
    this.addClass('mpijob-BenchResultsPanel');
    this.#themeManager?.themeChanged.connect(this.#redraw, this);
  }

  /** The files shown. */
  get sources(): readonly ResultsSource[] {
    return this.#sources;
  }

  /** Shows these files. */
  set sources(sources: readonly ResultsSource[]) {
    this.#sources = sources;
    this.update();
  }

  /** Stops following the theme. */
  dispose(): void {
    this.#themeManager?.themeChanged.disconnect(this.#redraw, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <ResultsView
        sources={this.#sources}
        theme={this.#themeManager?.theme ?? ''}
        trans={this.#trans}
      />
    );
  }

  #redraw(): void {
    this.update();
  }
}

/** Options of {@link BenchResultsFactory}. */
export interface IBenchResultsFactoryOptions extends DocumentRegistry.IWidgetFactoryOptions<
  IDocumentWidget<BenchResultsPanel>
> {
  /** The theme manager. */
  readonly themeManager: IThemeManager | null;
}

/** Opens a results file in a {@link BenchResultsPanel}. */
export class BenchResultsFactory extends ABCWidgetFactory<
  IDocumentWidget<BenchResultsPanel>
> {
  readonly #themeManager: IThemeManager | null;

  /**
   * @param options - factory options and the theme manager
   */
  constructor(options: IBenchResultsFactoryOptions) {
    super(options);
    this.#themeManager = options.themeManager;
  }

  protected createNewWidget(
    context: DocumentRegistry.Context
  ): IDocumentWidget<BenchResultsPanel> {
    const content = new BenchResultsPanel({
      translator: this.translator,
      themeManager: this.#themeManager
    });
    const widget = new DocumentWidget({ content, context });
    widget.addClass('mpijob-BenchResultsDocument');
    widget.title.icon = benchChartIcon;
    const load = (): void => {
      content.sources = [
        readResultsText(context.path, context.model.toString())
      ];
    };
    void context.ready.then(() => {
      load();
      context.model.contentChanged.connect(load);
    });
    return widget;
  }
}
