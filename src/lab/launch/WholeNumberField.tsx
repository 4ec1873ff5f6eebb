/**
 * Number fields of the launch forms that keep what the user types. Rjsf's
 * own turns text that is no number yet (empty, `-`) into "unset", and the
 * form then puts the schema's default back under the cursor: clearing
 * *Workers* and typing 8 gave 28.
 */
import type { FieldProps, WidgetProps } from '@rjsf/utils';
import React, { useState } from 'react';

/**
 * The form data of a whole-number field for its text: the number, or the
 * text itself while it is none (validation then says what is wrong).
 *
 * @param text - what the field shows
 * @param hasDefault - whether the field has a default: empty text then stays
 *   empty text (invalid) instead of unset, which would bring the default back
 * @returns a number, the text, or undefined for an empty optional field
 */
function wholeNumberValue(
  text: string,
  hasDefault: boolean
): number | string | undefined {
  const trimmed = text.trim();
  if (/^[+-]?\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  if (!trimmed) {
    return hasDefault ? '' : undefined;
  }
  return text;
}

function textOf(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/** A text input for whole numbers that shows exactly what was typed. */
function WholeNumberWidget(props: WidgetProps): JSX.Element {
  const { BaseInputTemplate } = props.registry.templates;
  const hasDefault = props.schema.default !== undefined;
  const [text, setText] = useState(() => textOf(props.value));
  // What was typed while it still stands for the value (`01` for 1, `-`);
  // a value set from elsewhere (a rerun, a reset) replaces it.
  const shown = Object.is(wholeNumberValue(text, hasDefault), props.value)
    ? text
    : textOf(props.value);
  return (
    <BaseInputTemplate
      {...props}
      type="text"
      inputMode="numeric"
      autoComplete="off"
      value={shown}
      onChangeOverride={(event: React.ChangeEvent<HTMLInputElement>) => {
        setText(event.target.value);
        props.onChange(wholeNumberValue(event.target.value, hasDefault));
      }}
    />
  );
}

/**
 * Rjsf's `NumberField` for the launch forms (the launch spec has whole
 * numbers only): rjsf's string field with {@link WholeNumberWidget}, and
 * none of rjsf's number parsing in between.
 *
 * @param props - rjsf's field properties
 * @returns the field
 */
export function WholeNumberField(props: FieldProps): JSX.Element {
  const { StringField } = props.registry.fields;
  return (
    <StringField
      {...props}
      uiSchema={{ ...props.uiSchema, 'ui:widget': WholeNumberWidget }}
    />
  );
}
