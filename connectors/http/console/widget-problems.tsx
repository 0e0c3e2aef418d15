/**
 * Refusals of a widget screen in the viewer's words, each tied to the input it is about: the
 * definition schemas speak English to the API, so their known sentences are translated here and
 * every issue path (`fields.2.key`, `allowedOrigins.1`, `hours.mon.0.to`) is brought back to the
 * input that shows it. An issue of no input (the body as a whole) goes to the summary at the top.
 */
import type { MessageKey, Translate } from './catalogue.ts';

export interface Issue {
  path: string;
  message: string;
}

/** Sentences of the schemas (connectors/webform|callback/definition.ts, site/admin.ts). */
const KNOWN: Record<string, MessageKey> = {
  'lower-case letters, digits and -, at most 64': 'widgets.error.slug',
  'an origin like https://www.example.com (no path)': 'widgets.error.origin',
  'lower-case letters, digits and _, starting with a letter, at most 40': 'widgets.error.key',
  'keys starting with lw_ are reserved': 'widgets.error.keyReserved',
  'this name is reserved; choose another key': 'widgets.error.keyReserved',
  'a select field needs options': 'widgets.error.options',
  'field keys must be unique': 'widgets.error.keysUnique',
  'the form needs a field that maps to email or phone, so the customer can be answered':
    'widgets.error.reachable',
  'an IANA time zone such as Europe/Madrid': 'widgets.error.timeZone',
  'a time like 09:00': 'widgets.error.time',
  'an ISO 3166 alpha-2 country code such as ES': 'widgets.error.country',
};

function explain(t: Translate, issue: Issue): string {
  const known = KNOWN[issue.message];
  if (known) return t(known);
  const taken = /^the slug (.+) is taken$/.exec(issue.message);
  if (taken) return t('widgets.error.slugTaken', { slug: taken[1] ?? '' });
  if (/^user \d+ does not exist$/.test(issue.message)) return t('widgets.error.operator');
  if (/must end after it starts$/.test(issue.message)) return t('widgets.error.range');
  if (issue.path === 'fields' && issue.message.startsWith('Too small'))
    return t('widgets.error.noFields');
  if (issue.message.startsWith('Too small')) return t('widgets.error.required');
  if (issue.message.startsWith('Too big')) return t('widgets.error.tooLong');
  if (issue.message.startsWith('Invalid URL')) return t('widgets.error.url');
  if (/expected number/.test(issue.message)) return t('widgets.error.number');
  return issue.message;
}

/** The input an issue belongs to: a list's item goes to the list's one input, with its line. */
function anchorOf(path: string): { anchor: string; line?: number } {
  const origin = /^allowedOrigins\.(\d+)$/.exec(path);
  if (origin) return { anchor: 'allowedOrigins', line: Number(origin[1]) + 1 };
  const option = /^(fields\.\d+\.options)\.(\d+)$/.exec(path);
  if (option?.[1]) return { anchor: option[1], line: Number(option[2]) + 1 };
  const hours = /^(hours\.[a-z]{3})\./.exec(path);
  if (hours?.[1]) return { anchor: hours[1] };
  if (/^operatorIds\./.test(path)) return { anchor: 'operatorIds' };
  return { anchor: path };
}

/** The refusals of one post, by the input they belong to. */
export class Problems {
  private readonly byAnchor = new Map<string, string[]>();

  constructor(t: Translate, issues: Issue[] = []) {
    for (const issue of issues) {
      const { anchor, line } = anchorOf(issue.path);
      const text = explain(t, issue);
      const said = line ? t('widgets.error.line', { line, text }) : text;
      const list = this.byAnchor.get(anchor) ?? [];
      if (!list.includes(said)) list.push(said);
      this.byAnchor.set(anchor, list);
    }
  }

  get any(): boolean {
    return this.byAnchor.size > 0;
  }

  at(anchor: string): string | undefined {
    return this.byAnchor.get(anchor)?.join(' ');
  }

  /** Every refusal with the input it is about, for the summary at the top of the page. */
  all(): { anchor: string; text: string }[] {
    return [...this.byAnchor].map(([anchor, texts]) => ({ anchor, text: texts.join(' ') }));
  }
}

/** The id of an input's refusal text (aria-describedby points at it). */
export const problemId = (anchor: string) => `problem-${anchor.replace(/\W/g, '-')}`;

/** What an input shows when refused: its own error text, tied to it by aria-describedby. */
export function invalidity(problems: Problems, anchor: string, hint?: string) {
  const text = problems.at(anchor);
  const described = [text ? problemId(anchor) : '', hint ?? ''].filter(Boolean).join(' ');
  return {
    'aria-invalid': text ? ('true' as const) : undefined,
    'aria-describedby': described || undefined,
  };
}

export function ProblemText({ problems, at }: { problems: Problems; at: string }) {
  const text = problems.at(at);
  return text ? (
    <p class="field-problem" id={problemId(at)}>
      {text}
    </p>
  ) : null;
}

/**
 * The list at the top of a refused page: each refusal links to its input. `targets` turns an
 * issue's anchor into the id of the input it is about (undefined: no input, plain text).
 */
export function ProblemSummary(props: {
  t: Translate;
  problems: Problems;
  target: (anchor: string) => string | undefined;
}) {
  if (!props.problems.any) return null;
  return (
    <div class="problems" role="alert" tabindex={-1} id="problems" autofocus>
      <p>{props.t('widgets.refused')}</p>
      <ul>
        {props.problems.all().map(({ anchor, text }) => {
          const id = props.target(anchor);
          return <li>{id ? <a href={`#${id}`}>{text}</a> : text}</li>;
        })}
      </ul>
    </div>
  );
}
