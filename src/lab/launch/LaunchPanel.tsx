/**
 * The launch panel: a main-area widget with the launch forms, preflight
 * checks, a YAML preview and Submit.
 */
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import React, { useDeferredValue, useEffect, useMemo, useState } from 'react';

import type { IProblem } from '../../core/errors';
import { jobKey } from '../../core/jobKey';
import type { IJobRecord, INamespaceList } from '../../core/jobRecord';
import type { OpenCell } from '../CellText';
import { useSignal } from '../hooks';
import { mpijobIcon } from '../icons';
import type { LaunchSettings } from '../settings';
import { defaultImageFor } from '../settings';
import type { IMpiJobManager } from '../tokens';
import { withNotebookFolder } from '../bench/notebookBenchmark';
import { BenchmarkSection } from './BenchmarkSection';
import { evaluateDraft } from './draftEvaluation';
import {
  createFormValidator,
  reportedPaths,
  sortProblems
} from './formValidation';
import type { FormPart, INamespaceOption } from './formSchema';
import { FORM_PARTS, formLayout, formSchema } from './formSchema';
import type { FoldedPart } from './LaunchForms';
import { LaunchForms, pickPart } from './LaunchForms';
import type { NotebookSource } from './notebookSource';
import { lastKnownBackend, useNotebook, usePreflight } from './launchHooks';
import { PreflightView } from './PreflightView';
import { ProblemList } from './ProblemList';
import type { IChangedField, SpecValues } from './specDraft';
import {
  cellModeOf,
  changedFields,
  initialValues,
  uniqueName
} from './specDraft';
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
  const [serverReason, setServerReason] = useState<string | null>(null);
  const access = useNamespaces(manager);
  const [namesElsewhere, setNamesElsewhere] = useState<{
    namespace: string;
    names: ReadonlySet<string>;
  } | null>(null);
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

  // No namespace chosen (settings say "the current one"): the service's.
  useEffect(() => {
    if (access && values.namespace === undefined) {
      setValues(previous =>
        previous.namespace === undefined
          ? { ...previous, namespace: access.current }
          : previous
      );
    }
  }, [access, values.namespace]);

  // Names taken in a namespace the jobs list does not show.
  const namespace =
    typeof values.namespace === 'string' ? values.namespace : '';
  useEffect(() => {
    if (
      !namespace ||
      manager.model.shows(namespace, access?.current) ||
      namesElsewhere?.namespace === namespace
    ) {
      return;
    }
    let live = true;
    manager.model.namesIn(namespace).then(
      names => live && setNamesElsewhere({ namespace, names }),
      () => undefined
    );
    return () => {
      live = false;
    };
  }, [manager, namespace, access]);

  const jobNames = manager.model.jobs.map(jobKey).join('\n');
  const deferredValues = useDeferredValue(values);
  const deferredNotebook = useDeferredValue(notebook);
  const draft = useMemo(
    () =>
      evaluateDraft({
        values: deferredValues,
        settings: settings.values,
        notebook: deferredNotebook,
        takenNames: ns =>
          new Set([
            ...jobNames
              .split('\n')
              .filter(key => key.startsWith(`${ns}/`))
              .map(key => key.slice(ns.length + 1)),
            ...(namesElsewhere?.namespace === ns ? namesElsewhere.names : [])
          ]),
        trans
      }),
    [
      deferredValues,
      deferredNotebook,
      settings.values,
      jobNames,
      namesElsewhere,
      trans
    ]
  );
  const guessed =
    settings.values.backend !== 'auto'
      ? settings.values.backend
      : lastKnownBackend();
  // Checked as it would run: on the local backend in the notebook's folder,
  // where the imports of modules beside the notebook resolve.
  const preflight = usePreflight(
    manager,
    draft.spec && guessed === 'local' && source
      ? withNotebookFolder(draft.spec, source.path)
      : draft.spec,
    draft.spec?.command ? null : deferredNotebook
  );
  const { state: checked } = preflight;
  const backend = checked.state === 'done' ? checked.report.backend : guessed;
  const layout = formLayout(backend);
  // Local ranks start in the notebook's folder, as its kernel does.
  const runnable =
    draft.spec && backend === 'local' && source
      ? withNotebookFolder(draft.spec, source.path)
      : draft.spec;
  const cells = cellModeOf(values);
  const namespaces = useMemo(
    () =>
      layout.id === 'all' ? namespaceOptions(access, namespace, trans) : null,
    [layout.id, access, namespace, trans]
  );
  // The checks of the cluster about a field (GPUs, quota, gang scheduler,
  // namespace), shown at that field; the last answer stays until the next.
  const preflightProblems = useMemo(
    () =>
      checked.state === 'done'
        ? checked.report.checks
            .filter(c => !c.ok && c.severity === 'error' && c.path)
            .map(c => ({
              path: c.path as string,
              message: [c.message, c.fix].filter(Boolean).join('. ')
            }))
        : [],
    [checked]
  );
  const sorted = useMemo(() => {
    const skip = Object.fromEntries(
      FORM_PARTS.map(part => [
        part,
        reportedPaths(
          validators[part],
          formSchema(part, layout, cells, trans, namespaces),
          pickPart(values, part, layout) as ReadonlyJSONObject
        )
      ])
    ) as Record<FormPart, Set<string>>;
    return sortProblems(
      [...draft.problems, ...serverProblems, ...preflightProblems],
      layout,
      skip
    );
  }, [
    draft,
    serverProblems,
    preflightProblems,
    values,
    layout,
    cells,
    validators,
    namespaces,
    trans
  ]);

  // A verdict of the service or the cluster on a folded field: unfold it.
  useEffect(() => {
    if (serverProblems.length || preflightProblems.length) {
      setOpen(previous => ({
        advanced:
          previous.advanced || Object.keys(sorted.fields.advanced).length > 0,
        kubernetes:
          previous.kubernetes ||
          Object.keys(sorted.fields.kubernetes).length > 0
      }));
    }
  }, [sorted, serverProblems, preflightProblems]);

  // Values that are not what a fresh launch would have, in the folded forms.
  const fresh = useMemo(
    () =>
      initialValues({
        settings: settings.values,
        notebookPath: source?.path ?? null,
        remembered: null,
        prefill: null,
        cellNumbers: null,
        takenNames: new Set()
      }),
    [settings.values, source]
  );
  const changed = useMemo(
    () =>
      Object.fromEntries(
        (['advanced', 'kubernetes'] as const).map(part => [
          part,
          changedFields(values, fresh, layout.fields[part], settings.values)
        ])
      ) as Record<FoldedPart, IChangedField[]>,
    [values, fresh, layout, settings.values]
  );

  const reasons = submitBlockers(
    {
      draft,
      refused: serverProblems,
      refusedDetail: serverDetail,
      preflight,
      submitting
    },
    trans
  );
  const canSubmit = reasons.length === 0 && values === deferredValues;
  const name = typeof values.name === 'string' ? values.name : '';
  const nameTaken = serverReason === 'AlreadyExists' || !!draft.nameTaken;
  // A benchmark names its own jobs: the job name being taken does not stop it.
  const benchBlockers = nameTaken
    ? submitBlockers(
        {
          draft: {
            ...draft,
            problems: draft.problems.filter(p => p !== draft.nameTaken)
          },
          refused: serverReason === 'AlreadyExists' ? [] : serverProblems,
          refusedDetail: serverReason === 'AlreadyExists' ? '' : serverDetail,
          preflight,
          submitting
        },
        trans
      )
    : reasons;
  const makeUnique = (): void => {
    const taken = new Set([
      name,
      ...manager.model.jobs
        .filter(j => j.namespace === namespace)
        .map(j => j.name),
      ...(namesElsewhere?.namespace === namespace ? namesElsewhere.names : [])
    ]);
    setValues({ ...values, name: uniqueName(name, taken) });
    setServerProblems([]);
    setServerDetail('');
    setServerReason(null);
  };

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
      setServerReason(outcome.reason);
      if (outcome.reason === 'AlreadyExists' && namespace) {
        // Learn the names in use there, for the unique name.
        manager.model.namesIn(namespace).then(
          names => setNamesElsewhere({ namespace, names }),
          () => undefined
        );
      }
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
              setServerReason(null);
            }}
            layout={layout}
            namespaces={namespaces}
            changed={changed}
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
              blockers={benchBlockers}
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
        fix={
          nameTaken && name && !submitting
            ? { label: trans.__('Make the name unique'), onClick: makeUnique }
            : null
        }
        trans={trans}
      />
    </div>
  );
}

/**
 * The namespaces the user may create jobs in, for the form's select: the
 * current one marked, the chosen one kept even where it may not be used
 * (preflight says why, at the field).
 *
 * @param access - the service's answer; null while unknown
 * @param chosen - the namespace in the form
 * @param trans - translations
 * @returns the options, or null where the namespace stays free text
 */
function namespaceOptions(
  access: INamespaceList | null,
  chosen: string,
  trans: TranslationBundle
): INamespaceOption[] | null {
  if (!access || access.backend !== 'kubernetes') {
    return null;
  }
  const usable = access.namespaces.filter(n => n.canCreate).map(n => n.name);
  const names = [...new Set([...usable, ...(chosen ? [chosen] : [])])].sort();
  return names.map(name => ({
    name,
    title: !usable.includes(name)
      ? trans.__('%1 (you may not create jobs here)', name)
      : name === access.current
        ? trans.__('%1 (current)', name)
        : name
  }));
}

/** The service's namespaces answer, once it came. */
function useNamespaces(manager: IMpiJobManager): INamespaceList | null {
  const [access, setAccess] = useState<INamespaceList | null>(null);
  useEffect(() => {
    let live = true;
    // A new panel offers the namespaces as they are now.
    manager.model.namespaces(true).then(
      list => live && setAccess(list),
      () => undefined
    );
    return () => {
      live = false;
    };
  }, [manager]);
  return access;
}
