/**
 * The convert dialog of a lead's page (a `<details>`: it needs no script): a simple lead becomes
 * a contact, a company and/or a deal, or joins a client that already owns its email or phone
 * (suggested); a repeat lead becomes a deal. The rules are core/conversion.ts, through the same
 * convertLead the API uses; what they refuse is said in the viewer's language.
 */
import type { Request, Response } from 'express';
import type { ClientDetail } from '../../../core/repositories/clients.ts';
import type { LeadDetail } from '../../../core/repositories/leads.ts';
import { convertLead, type ConvertDeps, type ConvertRequest } from '../operator/convert.ts';
import type { MessageKey } from './catalogue.ts';
import { CsrfField } from './layout.tsx';
import type { Viewer } from './viewer.ts';

const REFUSALS: Record<string, MessageKey> = {
  existing_client: 'convert.existing',
  nothing_to_convert: 'convert.nothing',
  repeat_deal_only: 'convert.repeatDealOnly',
  closed: 'convert.closed',
  company_name_required: 'convert.companyName',
  client_or_new: 'convert.clientOrNew',
  forbidden: 'convert.forbidden',
  unknown_client: 'convert.unknownClient',
};

export function ConvertDialog(props: {
  viewer: Viewer;
  lead: LeadDetail;
  candidates: ClientDetail[];
}) {
  const { t } = props.viewer;
  const { lead } = props;
  const simple = lead.type === 'simple';
  return (
    <details class="convert">
      <summary>{t('convert.title')}</summary>
      <form method="post" action={`/leads/${lead.id}/convert`} class="stack">
        <CsrfField viewer={props.viewer} />
        <p class="hint">{simple ? t('convert.intro') : t('convert.repeatIntro')}</p>
        {simple ? (
          <>
            {props.candidates.length ? (
              <fieldset>
                <legend>{t('convert.join')}</legend>
                <label class="check">
                  <input type="radio" name="clientId" value="" checked /> {t('convert.joinNone')}
                </label>
                {props.candidates.map((client) => (
                  <label class="check">
                    <input type="radio" name="clientId" value={String(client.id)} />{' '}
                    {client.name ?? client.company ?? `#${client.id}`} (
                    {client.identities.map((i) => i.raw).join(', ')})
                  </label>
                ))}
              </fieldset>
            ) : null}
            <fieldset>
              <legend>
                <label class="check">
                  <input type="checkbox" name="contact" value="1" checked={Boolean(lead.name)} />{' '}
                  {t('convert.contact')}
                </label>
              </legend>
              <label for="contactName">{t('convert.name')}</label>
              <input id="contactName" name="contactName" value={lead.name ?? ''} maxlength={200} />
            </fieldset>
            <fieldset>
              <legend>
                <label class="check">
                  <input
                    type="checkbox"
                    name="company"
                    value="1"
                    checked={!lead.name && Boolean(lead.company)}
                  />{' '}
                  {t('convert.company')}
                </label>
              </legend>
              <label for="companyName">{t('convert.name')}</label>
              <input
                id="companyName"
                name="companyName"
                value={lead.company ?? ''}
                maxlength={200}
              />
            </fieldset>
          </>
        ) : null}
        <fieldset>
          <legend>
            <label class="check">
              <input type="checkbox" name="deal" value="1" checked={!simple} /> {t('convert.deal')}
            </label>
          </legend>
          <label for="dealTitle">{t('convert.dealTitle')}</label>
          <input id="dealTitle" name="dealTitle" value={lead.title} maxlength={500} />
          <label for="amount">{t('convert.amount')}</label>
          <input id="amount" name="amount" inputmode="decimal" maxlength={20} />
          <label for="currency">{t('convert.currency')}</label>
          <input id="currency" name="currency" maxlength={3} size={4} />
        </fieldset>
        <button type="submit">{t('convert.submit')}</button>
      </form>
    </details>
  );
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/** The form as a conversion request (what is not ticked is not asked for). */
export function convertRequestOf(req: Request): ConvertRequest | string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const request: ConvertRequest = {};
  const clientId = Number(text(body.clientId));
  if (text(body.clientId) && Number.isSafeInteger(clientId) && clientId > 0)
    request.clientId = clientId;
  if (text(body.contact))
    request.contact = text(body.contactName) ? { name: text(body.contactName).slice(0, 200) } : {};
  if (text(body.company))
    request.company = text(body.companyName) ? { name: text(body.companyName).slice(0, 200) } : {};
  if (text(body.deal)) {
    const amount = text(body.amount).replace(',', '.');
    const currency = text(body.currency).toUpperCase();
    if (amount && !(Number.isFinite(Number(amount)) && Number(amount) >= 0)) return 'amount';
    if (currency && !/^[A-Z]{3}$/.test(currency)) return 'currency';
    request.deal = {
      ...(text(body.dealTitle) ? { title: text(body.dealTitle).slice(0, 500) } : {}),
      ...(amount ? { amount: Number(amount) } : {}),
      ...(currency ? { currency } : {}),
    };
  }
  return request;
}

/** Converts from the dialog; the problem to show, in the viewer's words, when refused. */
export async function convertFromForm(
  deps: ConvertDeps,
  req: Request,
  res: Response,
  viewer: Viewer,
): Promise<{ ok: true } | { ok: false; status: number; problem: string }> {
  const { t } = viewer;
  const request = convertRequestOf(req);
  if (typeof request === 'string')
    return {
      ok: false,
      status: 422,
      problem: t(request === 'amount' ? 'convert.amountInvalid' : 'convert.currencyInvalid'),
    };
  const answer = await convertLead(deps, res, Number(req.params.id), request);
  if (answer.status === 201) return { ok: true };
  const key = REFUSALS[answer.body.error ?? ''];
  return {
    ok: false,
    status: answer.status,
    problem: key
      ? t(key)
      : t('problem.generic', { message: String(answer.body.message ?? answer.body.error) }),
  };
}
