/**
 * The launch panel: a main-area widget with the launch forms, preflight
 * checks, a YAML preview and Submit.
 */
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import React, { useDeferredValue, useEffect, useMemo, useState } from 'react';

import type { IProblem } from '../../core/errors';
import type { IJobRecord } from '../../core/jobRecord';
import type { OpenCell } from '../CellText';
import { useSignal } from '../hooks';
import { mpijobIcon } from '../icons';
import type { LaunchSettings } from '../settings';
import { defaultImageFor } from '../settings';
import type { IMpiJobManager } from '../tokens';
import { withNotebookFolder } from '../bench/notebookBenchmark';
import { BenchmarkSection } from './BenchmarkSection';
import { evaluateDraft } from './draft';
import {
  createFormValidator,
  reportedPaths,
  sortProblems
} from './formValidation';
import type { FormPart } from './formSchema';
import { FORM_PARTS, formLayout, formSchema } from './formSchema';
import type { FoldedPart } from './LaunchForms';
import { LaunchForms, pickPart } from './LaunchForms';
import type { NotebookSource } from './notebookSource';
import { lastKnownBackend, useNotebook, usePreflight } from './launchHooks';
import { PreflightView } from './PreflightView';
import { ProblemList } from './ProblemList';
import type { SpecValues } from './specDraft';
import { cellModeOf } from './specDraft';
import { submitLaunch } from './submit';
import { SubmitBar, submitBlockers } from './SubmitBar';
import { YamlPreview } from './YamlPreview';

/** What a launch panel needs. */
export interface ILaunchPanelOptions {
  /** The shared manager. */
  readonly manager: IMpiJobManager;
  /** The user's settings, live. */
  readonly settings: LaunchSettings;
  /** The notebook to run; null for a command-only rerun. */
  readonly source: NotebookSource | null;
  /** The values to start with. */
  readonly initial: SpecValues;
  /** Opens a notebook cell. */
  readonly openCell: OpenCell;
  /** Opens a job's view. */
  readonly openJob: (job: IJobRecord) => void;
  /** Opens a benchmark results file (relative to the server root). */
  readonly openResults: (path: string) => void;
  /** Called once a job was submitted, with the values it was launched with. */
  readonly onSubmitted: (job: IJobRecord, values: SpecValues) => void;
  /** The translator. */
  readonly translator: ITranslator;
}

let panelCount = 0;

/** The launch panel widget. */
export class LaunchPanel extends ReactWidget {
  readonly #options: ILaunchPanelOptions;

  /**
   * @param options - manager, settings, notebook and callbacks
   */
  constructor(options: ILaunchPanelOptions) {
    super();
    this.#options = options;
    const trans = options.translator.load('jupyterlab_mpijob');
    this.id = `mpijob-launch-${++panelCount}`;
    this.addClass('mpijob-LaunchPanel');
    this.title.label = trans.__(
      'Launch %1',
      options.source?.path.split('/').pop() ?? ''
    );
    this.title.caption = trans.__(
      'Launch %1 as an MPIJob',
      options.source?.path ?? ''
    );
    this.title.icon = mpijobIcon;
    this.title.closable = true;
  }

  /** The notebook path, or null. */
  get notebookPath(): string | null {
    return this.#options.source?.path ?? null;
  }

  /** Disposes the notebook source with the panel. */
  dispose(): void {
    this.#options.source?.dispose();
    super.dispose();
  }

  /** Closing the tab disposes the panel (and its notebook source). */
  close(): void {
    super.close();
    this.dispose();
  }

  protected render(): JSX.Element {
    return (
      <LaunchView
        options={this.#options}
        idPrefix={this.id}
        onClose={() => this.close()}
      />
    );
  }
}

interface ILaunchViewProps {
  readonly options: ILaunchPanelOptions;
  readonly idPrefix: string;
  readonly onClose: () => void;
}

function LaunchView(props: ILaunchViewProps): JSX.Element {
  const { manager, settings, source, openCell, translator } = props.options;
  const trans: TranslationBundle = useMemo(
    () => translator.load('jupyterlab_mpijob'),
    [translator]
  );
  useSignal(settings.changed);
  useSignal(manager.model.jobsChanged);
  const [values, setValues] = useState<SpecValues>(props.options.initial);
  const [serverProblems, setServerProblems] = useState<readonly IProblem[]>([]);
  const [serverDetail, setServerDetail] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [open, setOpen] = useState<Record<FoldedPart, boolean>>({
    advanced: false,
    kubernetes: false
  });
  const validators = useMemo(
    () => ({
      basic: createFormValidator(),
      advanced: createFormValidator(),
      kubernetes: createFormValidator()
    }),
    []
  );

  const notebook = useNotebook(source, message =>
    setServerProblems([{ path: 'notebook', message }])
  );

  const jobNames = manager.model.jobs
    .map(j => `${j.namespace}/${j.name}`)
    .join('\n');
  const deferredValues = useDeferredValue(values);
  const deferredNotebook = useDeferredValue(notebook);
  const draft = useMemo(
    () =>
      evaluateDraft({
        values: deferredValues,
        settings: settings.values,
        notebook: deferredNotebook,
        takenNames: namespace =>
          new Set(
            jobNames
              .split('\n')
              .filter(key => key.startsWith(`${namespace}/`))
              .map(key => key.slice(namespace.length + 1))
          ),
        trans
      }),
    [deferredValues, deferredNotebook, settings.values, jobNames, trans]
  );
  const preflight = usePreflight(manager, draft.spec);
  const { state: checked } = preflight;
  const backend =
    checked.state === 'done'
      ? checked.report.backend
      : settings.values.backend !== 'auto'
        ? settings.values.backend
        : lastKnownBackend();
  const layout = formLayout(backend);
  // Local ranks start in the notebook's folder, as its kernel does.
  const runnable =
    draft.spec && backend === 'local' && source
      ? withNotebookFolder(draft.spec, source.path)
      : draft.spec;
  const cells = cellModeOf(values);
  const sorted = useMemo(() => {
    const skip = Object.fromEntries(
      FORM_PARTS.map(part => [
        part,
        reportedPaths(
          validators[part],
          formSchema(part, layout, cells, trans),
          pickPart(values, part, layout) as ReadonlyJSONObject
        )
      ])
    ) as Record<FormPart, Set<string>>;
    return sortProblems([...draft.problems, ...serverProblems], layout, skip);
  }, [draft, serverProblems, values, layout, cells, validators, trans]);

  // The service's verdict on a folded field: unfold it.
  useEffect(() => {
    if (serverProblems.length) {
      setOpen(previous => ({
        advanced:
          previous.advanced || Object.keys(sorted.fields.advanced).length > 0,
        kubernetes:
          previous.kubernetes ||
          Object.keys(sorted.fields.kubernetes).length > 0
      }));
    }
  }, [sorted, serverProblems]);

  const reasons = submitBlockers(
    { draft, refused: serverProblems, preflight, submitting },
    trans
  );
  const canSubmit = reasons.length === 0 && values === deferredValues;

  const submit = async (): Promise<void> => {
    if (!draft.spec || !draft.built) {
      return;
    }
    setSubmitting(true);
    const outcome = await submitLaunch({
      manager,
      spec: runnable ?? draft.spec,
      notebook: draft.spec.command ? null : notebook,
      program: draft.built.program,
      open: props.options.openJob,
      trans
    });
    setSubmitting(false);
    if (outcome.ok) {
      props.options.onSubmitted(outcome.job, values);
    } else {
      setServerProblems(outcome.problems);
      setServerDetail(outcome.detail);
    }
  };

  const imagePlaceholder =
    defaultImageFor(
      settings.values,
      (values.mpiImplementation as 'OpenMPI') ?? 'OpenMPI'
    ) || trans.__('built-in image for the MPI implementation');
  return (
    <div className="mpijob-Launch">
      <header className="mpijob-Launch-header">
        <h2>{trans.__('Launch as MPIJob')}</h2>
        <p>{source ? source.path : trans.__('A command job (no notebook).')}</p>
      </header>
      <div className="mpijob-Launch-body">
        <div className="mpijob-Launch-main">
          <LaunchForms
            values={values}
            onChange={next => {
              setValues(next);
              setServerProblems([]);
              setServerDetail('');
            }}
            layout={layout}
            errors={sorted.fields}
            validators={validators}
            open={open}
            onToggle={(part, isOpen) =>
              setOpen(previous => ({ ...previous, [part]: isOpen }))
            }
            idPrefix={props.idPrefix}
            imagePlaceholder={imagePlaceholder}
            disabled={submitting}
            trans={trans}
            translator={translator}
          />
          {serverDetail && (
            <p className="mpijob-Launch-serverError" role="alert">
              {trans.__('The service refused the job: %1', serverDetail)}
            </p>
          )}
          <ProblemList
            problems={sorted.general}
            level="error"
            notebookPath={source?.path ?? null}
            onOpen={openCell}
            trans={trans}
          />
          <ProblemList
            problems={draft.warnings}
            level="warning"
            notebookPath={source?.path ?? null}
            onOpen={openCell}
            trans={trans}
          />
          {source && (
            <BenchmarkSection
              spec={runnable && draft.built ? runnable : null}
              notebook={notebook}
              notebookPath={source.path}
              blockers={reasons}
              openResults={props.options.openResults}
              idPrefix={props.idPrefix}
              trans={trans}
            />
          )}
        </div>
        <div className="mpijob-Launch-side">
          <PreflightView
            preflight={preflight}
            hint={settings.values.backend}
            trans={trans}
          />
          <YamlPreview
            yaml={draft.yaml}
            program={draft.built?.program ?? null}
            summary={draft.summary}
            trans={trans}
          />
        </div>
      </div>
      <SubmitBar
        reasons={reasons}
        enabled={canSubmit}
        onSubmit={() => void submit()}
        onCancel={props.onClose}
        reasonsId={`${props.idPrefix}-reasons`}
        trans={trans}
      />
    </div>
  );
}
