/**
 * The web form's field builder: one row of inputs per field, posted as `fields[3][label]` and so
 * on. Adding, removing and moving a row are submit buttons (`action=add`, `up-3`…) that come back
 * to the same page with the change made and nothing saved, so the builder works without
 * JavaScript; the focus lands where the change happened.
 */
import { FIELD_TYPES } from '../../webform/definition.ts';
import type { MessageKey } from './catalogue.ts';
import type { Viewer } from './viewer.ts';
import { MAX_FIELDS, type FieldDraft, type Target } from './widget-field-draft.tsx';
import { invalidity, ProblemText, type Problems } from './widget-problems.tsx';

function FieldRow(props: {
  viewer: Viewer;
  field: FieldDraft;
  index: number;
  count: number;
  problems: Problems;
  targets: Target[];
  focus: string | undefined;
}) {
  const { viewer, field, index, problems } = props;
  const { t } = viewer;
  const id = (property: string) => `f-${index}-${property}`;
  const name = (property: string) => `fields[${index}][${property}]`;
  const at = (property: string) => `fields.${index}.${property}`;
  const focus = (property: string) => props.focus === id(property) || undefined;
  const title = field.label.trim() || t('widgets.field.untitled');
  const more = ['options', 'value', 'placeholder', 'hint'];
  const open =
    field.type === 'select' ||
    field.type === 'hidden' ||
    more.some((property) => field[property as keyof FieldDraft] || problems.at(at(property)));
  const targets = props.targets.some((target) => target.value === field.mapsTo)
    ? props.targets
    : field.mapsTo
      ? [...props.targets, { value: field.mapsTo, label: field.mapsTo }]
      : props.targets;
  return (
    <li>
      <fieldset
        class="field-row"
        aria-describedby={problems.at(`fields.${index}`) ? id('problem') : undefined}
      >
        <legend>
          {t('widgets.field.legend', { n: index + 1 })}{' '}
          {/* widgets.js keeps it (and the buttons named by it) in step with the label typed. */}
          <span id={id('title')} data-empty={t('widgets.field.untitled')}>
            {title}
          </span>
        </legend>
        {problems.at(`fields.${index}`) ? (
          <p class="field-problem" id={id('problem')}>
            {problems.at(`fields.${index}`)}
          </p>
        ) : null}
        <div class="field-grid">
          <div class="widget-row">
            <label for={id('label')}>{t('widgets.field.label')}</label>
            <input
              id={id('label')}
              name={name('label')}
              value={field.label}
              maxlength={500}
              autofocus={focus('label')}
              {...invalidity(problems, at('label'))}
            />
            <ProblemText problems={problems} at={at('label')} />
          </div>
          <div class="widget-row">
            <label for={id('key')}>{t('widgets.field.key')}</label>
            <input
              id={id('key')}
              name={name('key')}
              value={field.key}
              maxlength={40}
              autocapitalize="none"
              spellcheck={false}
              {...invalidity(problems, at('key'), 'f-key-hint')}
            />
            <ProblemText problems={problems} at={at('key')} />
          </div>
          <div class="widget-row">
            <label for={id('type')}>{t('widgets.field.type')}</label>
            <select id={id('type')} name={name('type')} {...invalidity(problems, at('type'))}>
              {FIELD_TYPES.map((type) => (
                <option value={type} selected={type === field.type}>
                  {t(`widgets.type.${type}` as MessageKey)}
                </option>
              ))}
            </select>
            <ProblemText problems={problems} at={at('type')} />
          </div>
          <div class="widget-row">
            <label for={id('mapsTo')}>{t('widgets.field.mapsTo')}</label>
            <select id={id('mapsTo')} name={name('mapsTo')} {...invalidity(problems, at('mapsTo'))}>
              <option value="">{t('widgets.target.auto')}</option>
              {targets.map((target) => (
                <option value={target.value} selected={target.value === field.mapsTo}>
                  {target.label}
                </option>
              ))}
            </select>
            <ProblemText problems={problems} at={at('mapsTo')} />
          </div>
          <label class="check">
            <input
              type="checkbox"
              id={id('required')}
              name={name('required')}
              checked={field.required}
            />{' '}
            {t('widgets.field.required')}
          </label>
        </div>
        <details class="field-more" open={open}>
          <summary>{t('widgets.field.more')}</summary>
          <div class="widget-row">
            <label for={id('options')}>{t('widgets.field.options')}</label>
            <textarea
              id={id('options')}
              name={name('options')}
              rows={3}
              value={field.options}
              {...invalidity(problems, at('options'), id('options-hint'))}
            />
            <p class="hint" id={id('options-hint')}>
              {t('widgets.field.optionsHint')}
            </p>
            <ProblemText problems={problems} at={at('options')} />
          </div>
          <div class="widget-row">
            <label for={id('value')}>{t('widgets.field.value')}</label>
            <input
              id={id('value')}
              name={name('value')}
              value={field.value}
              maxlength={500}
              {...invalidity(problems, at('value'), id('value-hint'))}
            />
            <p class="hint" id={id('value-hint')}>
              {t('widgets.field.valueHint')}
            </p>
            <ProblemText problems={problems} at={at('value')} />
          </div>
          <div class="widget-row">
            <label for={id('placeholder')}>{t('widgets.field.placeholder')}</label>
            <input
              id={id('placeholder')}
              name={name('placeholder')}
              value={field.placeholder}
              maxlength={200}
              {...invalidity(problems, at('placeholder'))}
            />
            <ProblemText problems={problems} at={at('placeholder')} />
          </div>
          <div class="widget-row">
            <label for={id('hint')}>{t('widgets.field.hint')}</label>
            <input
              id={id('hint')}
              name={name('hint')}
              value={field.hint}
              maxlength={500}
              {...invalidity(problems, at('hint'))}
            />
            <ProblemText problems={problems} at={at('hint')} />
          </div>
        </details>
        <div class="row-actions">
          <button
            type="submit"
            name="action"
            value={`up-${index}`}
            aria-labelledby={`${id('up')} ${id('title')}`}
            id={id('up')}
            class="secondary"
            disabled={index === 0}
            autofocus={focus('up')}
          >
            {t('widgets.field.up')}
          </button>
          <button
            type="submit"
            name="action"
            value={`down-${index}`}
            aria-labelledby={`${id('down')} ${id('title')}`}
            id={id('down')}
            class="secondary"
            disabled={index === props.count - 1}
            autofocus={focus('down')}
          >
            {t('widgets.field.down')}
          </button>
          <button
            type="submit"
            name="action"
            value={`remove-${index}`}
            id={id('remove')}
            class="danger"
            aria-labelledby={`${id('remove')} ${id('title')}`}
          >
            {t('widgets.field.remove')}
          </button>
        </div>
      </fieldset>
    </li>
  );
}

export function FieldBuilder(props: {
  viewer: Viewer;
  fields: FieldDraft[];
  problems: Problems;
  targets: Target[];
  focus: string | undefined;
}) {
  const { viewer, fields, problems } = props;
  const { t } = viewer;
  return (
    <section class="field-builder" aria-labelledby="w-fields">
      <h2 id="w-fields" tabindex={-1}>
        {t('widgets.fields')}
      </h2>
      <p class="hint" id="f-key-hint">
        {t('widgets.field.keyHint')}
      </p>
      <ProblemText problems={problems} at="fields" />
      <ol class="field-rows">
        {fields.map((field, index) => (
          <FieldRow
            viewer={viewer}
            field={field}
            index={index}
            count={fields.length}
            problems={problems}
            targets={props.targets}
            focus={props.focus}
          />
        ))}
      </ol>
      <button
        type="submit"
        name="action"
        value="add"
        id="f-add"
        class="secondary"
        disabled={fields.length >= MAX_FIELDS}
        autofocus={props.focus === 'f-add' || undefined}
      >
        {t('widgets.field.add')}
      </button>
      {fields.length >= MAX_FIELDS ? (
        <p class="hint">{t('widgets.field.max', { max: MAX_FIELDS })}</p>
      ) : null}
    </section>
  );
}
