/**
 * The forms of the launch panel, generated from the launch spec's schema:
 * basic fields first, advanced ones folded, and on the local backend the
 * fields only Kubernetes uses folded apart.
 */
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { FormComponent } from '@jupyterlab/ui-components';
import type { IFormComponentProps } from '@jupyterlab/ui-components';
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import type { ErrorSchema } from '@rjsf/utils';
import React, { useEffect, useMemo, useRef } from 'react';

import type { FormPart, IFormLayout, INamespaceOption } from './formSchema';
import { FORM_PARTS, formSchema, formUiSchema } from './formSchema';
import type { FormValidator } from './formValidation';
import type { IChangedField, SpecValues } from './specDraft';
import { cellModeOf, describeChanged } from './specDraft';
import { WholeNumberField } from './WholeNumberField';

type ChangeEvent = Parameters<IFormComponentProps['onChange']>[0];

/** The forms that fold. */
export type FoldedPart = Exclude<FormPart, 'basic'>;

/**
 * Rjsf fills in defaults but never makes lists up: an empty list would be
 * a field the user never touched, reported as too short.
 */
const DEFAULT_FORM_STATE = {
  arrayMinItems: { populate: 'never' as const },
  emptyObjectFields: 'skipEmptyDefaults' as const
};

/** Number fields that keep what is typed (rjsf's snap back to the default). */
const FIELDS = { NumberField: WholeNumberField };

/**
 * The values of one form.
 *
 * @param values - all values
 * @param part - which form
 * @param layout - where the fields show
 * @returns the form's fields only
 */
export function pickPart(
  values: SpecValues,
  part: FormPart,
  layout: IFormLayout
): SpecValues {
  const out: SpecValues = {};
  for (const key of layout.fields[part]) {
    if (values[key] !== undefined) {
      out[key] = values[key];
    }
  }
  return out;
}

function fieldLabel(group: Element): string | null {
  return (
    group.querySelector(
      ':scope > .jp-FormGroup-compactTitle > .jp-FormGroup-fieldLabel, :scope > .jp-FormGroup-fieldLabel'
    )?.textContent || null
  );
}

/** `Worker command 2` for the second entry of a list whose entries show no label. */
function itemLabel(control: HTMLElement): string | null {
  const index = /_(\d+)$/.exec(control.id)?.[1];
  const list = control
    .closest('.jp-arrayFieldWrapper')
    ?.querySelector(
      ':scope > .field > .jp-FormGroup-compactTitle > .jp-FormGroup-fieldLabel'
    )?.textContent;
  return index !== undefined && list ? `${list} ${Number(index) + 1}` : null;
}

/**
 * Names each control after its label (the lab form template shows labels
 * as text, which screen readers do not tie to the control), and marks the
 * controls whose field shows an error as invalid.
 */
function useAccessibleControls(root: React.RefObject<HTMLElement>): void {
  useEffect(() => {
    const node = root.current;
    if (!node) {
      return;
    }
    const update = (): void =>
      node
        .querySelectorAll<HTMLElement>('.jp-FormGroup-content')
        .forEach(group => {
          const control = group.querySelector<HTMLElement>(
            ':scope > .jp-inputFieldWrapper input, :scope > .jp-inputFieldWrapper select, :scope > .jp-inputFieldWrapper textarea'
          );
          if (!control) {
            return;
          }
          const label = itemLabel(control) ?? fieldLabel(group);
          // Set every time: list entries change number when one is removed.
          if (label && control.getAttribute('aria-label') !== label) {
            control.setAttribute('aria-label', label);
          }
          const errors = group.querySelector(':scope > .validationErrors');
          if (errors?.textContent) {
            control.setAttribute('aria-invalid', 'true');
          } else {
            control.removeAttribute('aria-invalid');
          }
        });
    update();
    // Rjsf shows errors and list entries in renders of its own, after ours.
    const observer = new MutationObserver(update);
    observer.observe(node, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [root]);
}

/** Properties of {@link LaunchForms}. */
export interface ILaunchFormsProps {
  /** All values. */
  readonly values: SpecValues;
  /** Sets all values. */
  readonly onChange: (values: SpecValues) => void;
  /** Where the fields show. */
  readonly layout: IFormLayout;
  /** The namespaces to choose from; null where any may be typed. */
  readonly namespaces: readonly INamespaceOption[] | null;
  /** Per folded form, the values that are not a fresh launch's (shown folded). */
  readonly changed: Readonly<Record<FoldedPart, readonly IChangedField[]>>;
  /** Problems per form, shown next to fields. */
  readonly errors: Record<FormPart, ErrorSchema>;
  /** Validators per form. */
  readonly validators: Record<FormPart, FormValidator>;
  /** Which folded sections are open. */
  readonly open: Readonly<Record<FoldedPart, boolean>>;
  /** Opens or closes a folded section. */
  readonly onToggle: (part: FoldedPart, open: boolean) => void;
  /** Unique prefix of field ids. */
  readonly idPrefix: string;
  /** The image an empty image field means. */
  readonly imagePlaceholder: string;
  /** Disables every field. */
  readonly disabled: boolean;
  /** Translations. */
  readonly trans: TranslationBundle;
  /** The translator, for the form's own buttons. */
  readonly translator: ITranslator;
}

/** Basic, advanced and (on the local backend) Kubernetes-only forms. */
export function LaunchForms(props: ILaunchFormsProps): JSX.Element {
  const { values, onChange, layout, errors, validators, trans } = props;
  const root = useRef<HTMLDivElement>(null);
  useAccessibleControls(root);
  const cells = cellModeOf(values);
  const uiSchemas = useMemo(
    () =>
      Object.fromEntries(
        FORM_PARTS.map(part => [
          part,
          formUiSchema(part, layout, props.imagePlaceholder, trans)
        ])
      ) as Record<FormPart, ReturnType<typeof formUiSchema>>,
    [layout, props.imagePlaceholder, trans]
  );

  const form = (part: FormPart): JSX.Element => (
    <FormComponent
      schema={formSchema(part, layout, cells, trans, props.namespaces)}
      uiSchema={uiSchemas[part]}
      formData={pickPart(values, part, layout) as ReadonlyJSONObject}
      validator={validators[part]}
      extraErrors={errors[part]}
      fields={FIELDS}
      liveValidate
      compact
      showModifiedFromDefault={false}
      showErrorList={false}
      disabled={props.disabled}
      idPrefix={`${props.idPrefix}-${part}`}
      formContext={{ defaultFormData: {} }}
      experimental_defaultFormStateBehavior={DEFAULT_FORM_STATE}
      translator={props.translator}
      onChange={(event: ChangeEvent) => {
        const data = (event.formData ?? {}) as SpecValues;
        const next: SpecValues = { ...values };
        for (const key of layout.fields[part]) {
          next[key] = data[key];
        }
        onChange(next);
      }}
    />
  );

  const folded = (
    part: FoldedPart,
    summary: (problems: number) => string,
    note: string | null
  ): JSX.Element | null => {
    if (!layout.fields[part].length) {
      return null;
    }
    return (
      <details
        className={`mpijob-LaunchForms-folded mpijob-LaunchForms-${part}`}
        open={props.open[part]}
        onToggle={event =>
          props.onToggle(part, (event.target as HTMLDetailsElement).open)
        }
      >
        <summary>
          {summary(Object.keys(errors[part]).length)}
          {!props.open[part] && props.changed[part].length > 0 && (
            <span className="mpijob-LaunchForms-changed">
              {trans.__(
                'Not the defaults: %1',
                props.changed[part]
                  .map(field => describeChanged(field, t => trans.__(t)))
                  .join(' · ')
              )}
            </span>
          )}
        </summary>
        {props.open[part] && (
          <>
            {note && <p className="mpijob-LaunchForms-note">{note}</p>}
            {form(part)}
          </>
        )}
      </details>
    );
  };

  return (
    <div ref={root} className="mpijob-LaunchForms">
      <section
        className="mpijob-LaunchForms-basic"
        aria-label={trans.__('Basic settings')}
      >
        <h3>{trans.__('Basic')}</h3>
        {form('basic')}
      </section>
      {folded(
        'advanced',
        problems =>
          problems
            ? trans.__('Advanced (%1 with problems)', problems)
            : trans.__('Advanced'),
        null
      )}
      {folded(
        'kubernetes',
        problems =>
          problems
            ? trans.__('Kubernetes only (%1 with problems)', problems)
            : trans.__('Kubernetes only'),
        trans.__(
          'Jobs on the local backend run with mpirun on this machine and ignore these settings; they shape the Kubernetes objects in the preview.'
        )
      )}
    </div>
  );
}
