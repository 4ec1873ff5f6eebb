/**
 * The two forms of the launch panel, generated from the launch spec's
 * schema: basic fields first, advanced ones folded.
 */
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { FormComponent } from '@jupyterlab/ui-components';
import type { IFormComponentProps } from '@jupyterlab/ui-components';
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import type { ErrorSchema } from '@rjsf/utils';
import React, { useEffect, useMemo, useRef } from 'react';

import type { FormPart } from './formSchema';
import {
  ADVANCED_FIELDS,
  BASIC_FIELDS,
  formSchema,
  formUiSchema
} from './formSchema';
import type { FormValidator } from './formValidation';
import type { SpecValues } from './specDraft';
import { cellModeOf } from './specDraft';

type ChangeEvent = Parameters<IFormComponentProps['onChange']>[0];

const FIELDS: Record<FormPart, readonly string[]> = {
  basic: BASIC_FIELDS,
  advanced: ADVANCED_FIELDS
};

/** Rjsf fills in defaults but never makes arrays up. */
const DEFAULT_FORM_STATE = { arrayMinItems: { populate: 'never' as const } };

/**
 * The values of one form.
 *
 * @param values - all values
 * @param part - which form
 * @returns the form's fields only
 */
export function pickPart(values: SpecValues, part: FormPart): SpecValues {
  const out: SpecValues = {};
  for (const key of FIELDS[part]) {
    if (values[key] !== undefined) {
      out[key] = values[key];
    }
  }
  return out;
}

/**
 * Names each control after its label: the lab form template shows labels
 * as text, which screen readers do not tie to the control.
 */
function useLabelledControls(root: React.RefObject<HTMLElement>): void {
  useEffect(() => {
    root.current
      ?.querySelectorAll<HTMLElement>('.jp-FormGroup-content')
      .forEach(group => {
        const label = group.querySelector(
          ':scope > .jp-FormGroup-compactTitle > .jp-FormGroup-fieldLabel, :scope > .jp-FormGroup-fieldLabel'
        );
        const control = group.querySelector<HTMLElement>(
          ':scope > .jp-inputFieldWrapper input, :scope > .jp-inputFieldWrapper select, :scope > .jp-inputFieldWrapper textarea'
        );
        if (
          label?.textContent &&
          control &&
          !control.getAttribute('aria-label')
        ) {
          control.setAttribute('aria-label', label.textContent);
        }
      });
  });
}

/** Properties of {@link LaunchForms}. */
export interface ILaunchFormsProps {
  /** All values. */
  readonly values: SpecValues;
  /** Sets all values. */
  readonly onChange: (values: SpecValues) => void;
  /** Problems per form, shown next to fields. */
  readonly errors: Record<FormPart, ErrorSchema>;
  /** Validators per form. */
  readonly validators: Record<FormPart, FormValidator>;
  /** Whether the advanced section is open. */
  readonly advancedOpen: boolean;
  /** Opens or closes the advanced section. */
  readonly onToggleAdvanced: (open: boolean) => void;
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

/** Basic and advanced forms. */
export function LaunchForms(props: ILaunchFormsProps): JSX.Element {
  const { values, onChange, errors, validators, trans } = props;
  const root = useRef<HTMLDivElement>(null);
  useLabelledControls(root);
  const cells = cellModeOf(values);
  const schemas = useMemo(
    () => ({
      basic: formSchema('basic', cells, trans),
      advanced: formSchema('advanced', cells, trans)
    }),
    [cells, trans]
  );
  const uiSchemas = useMemo(
    () => ({
      basic: formUiSchema('basic', props.imagePlaceholder, trans),
      advanced: formUiSchema('advanced', props.imagePlaceholder, trans)
    }),
    [props.imagePlaceholder, trans]
  );
  const advancedProblems = Object.keys(errors.advanced).length;

  const form = (part: FormPart): JSX.Element => (
    <FormComponent
      schema={schemas[part]}
      uiSchema={uiSchemas[part]}
      formData={pickPart(values, part) as ReadonlyJSONObject}
      validator={validators[part]}
      extraErrors={errors[part]}
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
        for (const key of FIELDS[part]) {
          next[key] = data[key];
        }
        onChange(next);
      }}
    />
  );

  return (
    <div ref={root} className="mpijob-LaunchForms">
      <section
        className="mpijob-LaunchForms-basic"
        aria-label={trans.__('Basic settings')}
      >
        <h3>{trans.__('Basic')}</h3>
        {form('basic')}
      </section>
      <details
        className="mpijob-LaunchForms-advanced"
        open={props.advancedOpen}
        onToggle={event =>
          props.onToggleAdvanced((event.target as HTMLDetailsElement).open)
        }
      >
        <summary>
          {advancedProblems
            ? trans.__('Advanced (%1 with problems)', advancedProblems)
            : trans.__('Advanced')}
        </summary>
        {props.advancedOpen && form('advanced')}
      </details>
    </div>
  );
}
