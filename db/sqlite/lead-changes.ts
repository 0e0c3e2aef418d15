/** SQLite: an operator's changes to a lead (fields, stage, responsible, conversion, notes). */
import { and, asc, eq, inArray, isNotNull } from 'drizzle-orm';
import { planLeadUpdate } from '../../core/lead-update.ts';
import type { LeadRepository } from '../../core/repositories/leads.ts';
import { getClient } from './clients.ts';
import { findLead } from './leads.ts';
import type { Db } from './open.ts';
import {
  clients,
  deals,
  dealStages,
  identities,
  junkReasons,
  leads,
  notes,
  stages,
  users,
} from './schema.ts';
import { recordChange, recordEvent } from './timeline.ts';
import { duplicateKeys, keysAfter } from '../../core/duplicate-keys.ts';

type Changes = Pick<LeadRepository, 'update' | 'convert' | 'addNote'>;

export function sqliteLeadChanges(db: Db): Changes {
  return {
    async update(id, patch, context, scope) {
      return db.transaction(
        (tx) => {
          const lead = findLead(tx, id, scope);
          if (!lead) return { ok: false, problem: 'no-lead' } as const;
          if (
            patch.responsibleId != null &&
            !tx.select({ id: users.id }).from(users).where(eq(users.id, patch.responsibleId)).get()
          ) {
            return { ok: false, problem: 'no-user' } as const;
          }
          const planned = planLeadUpdate(
            lead,
            patch,
            tx.select().from(stages).orderBy(asc(stages.sort)).all(),
            tx
              .select({ code: junkReasons.code })
              .from(junkReasons)
              .all()
              .map((row) => row.code),
            context.at,
          );
          if (!planned.ok) return planned;
          const { set, entries, events } = planned.changes;
          if (!Object.keys(set).length) return { ok: true, lead } as const;
          const [updated] = tx
            .update(leads)
            .set({ ...set, ...keysAfter(lead, set) })
            .where(eq(leads.id, id))
            .returning()
            .all();
          for (const entry of entries) {
            recordChange(tx, {
              entity: 'lead',
              entityId: id,
              userId: context.userId,
              at: context.at,
              ...entry,
            });
          }
          for (const event of events) recordEvent(tx, { ...event, leadId: id, at: context.at });
          return { ok: true, lead: updated ?? lead } as const;
        },
        { behavior: 'immediate' },
      );
    },

    async convert(id, scope, decide, context) {
      const at = context.at;
      return db.transaction(
        (tx) => {
          const lead = findLead(tx, id, scope);
          if (!lead)
            return { ok: false, problem: 'no-lead', message: `lead ${id} does not exist` } as const;
          const own = tx
            .select({ kind: identities.kind, key: identities.key, raw: identities.raw })
            .from(identities)
            .where(eq(identities.leadId, id))
            .orderBy(asc(identities.id))
            .all();
          const keys = own.map((identity) => identity.key);
          const candidateIds = keys.length
            ? tx
                .selectDistinct({ clientId: identities.clientId })
                .from(identities)
                .where(and(inArray(identities.key, keys), isNotNull(identities.clientId)))
                .all()
                .flatMap((row) => (row.clientId === null ? [] : [row.clientId]))
            : [];
          const successStage = tx
            .select()
            .from(stages)
            .where(eq(stages.semantics, 'success'))
            .orderBy(asc(stages.sort))
            .get();
          if (!successStage) throw new Error('no success stage: the stage rules keep one');
          const decision = decide({
            lead,
            identities: own,
            candidates: candidateIds.flatMap((clientId) => getClient(tx, clientId) ?? []),
            successStage: successStage.code,
          });
          if (!decision.ok) return decision;
          const { plan } = decision;

          const insertClient = (values: typeof clients.$inferInsert) => {
            const [row] = tx
              .insert(clients)
              .values({ ...values, ...duplicateKeys(values.name, values.company) })
              .returning()
              .all();
            if (!row) throw new Error('the client was not stored');
            recordChange(tx, {
              entity: 'client',
              entityId: row.id,
              userId: context.userId,
              action: 'created',
              before: null,
              after: { ...row, leadId: id },
              at,
            });
            recordEvent(tx, {
              type: 'client.created',
              leadId: id,
              payload: { clientId: row.id, kind: row.kind, leadId: id },
              at,
            });
            return row.id;
          };
          const companyId = plan.company
            ? insertClient({
                kind: 'company',
                name: null,
                company: plan.company.name,
                responsibleId: plan.company.responsibleId,
                createdAt: at,
                updatedAt: at,
              })
            : null;
          const contactId = plan.contact
            ? insertClient({
                kind: 'contact',
                name: plan.contact.name,
                company: plan.company?.name ?? lead.company,
                companyId: plan.contact.companyId ?? companyId,
                responsibleId: plan.contact.responsibleId,
                createdAt: at,
                updatedAt: at,
              })
            : null;
          const clientId = plan.clientId ?? contactId ?? companyId;

          if (plan.moveIdentities && clientId !== null && own.length) {
            tx.insert(identities)
              .values(own.map((identity) => ({ ...identity, clientId, createdAt: at })))
              .onConflictDoNothing()
              .run();
            tx.delete(identities).where(eq(identities.leadId, id)).run();
            recordChange(tx, {
              entity: 'client',
              entityId: clientId,
              userId: context.userId,
              action: 'identity_added',
              before: null,
              after: { keys, leadId: id },
              at,
            });
          }

          let dealId: number | null = null;
          if (plan.deal) {
            const stage = plan.deal.stage
              ? tx.select().from(dealStages).where(eq(dealStages.code, plan.deal.stage)).get()
              : tx
                  .select()
                  .from(dealStages)
                  .where(eq(dealStages.semantics, 'process'))
                  .orderBy(asc(dealStages.sort))
                  .get();
            if (!stage) throw new Error('the deal stage was checked before converting');
            const open = stage.semantics === 'process';
            const [deal] = tx
              .insert(deals)
              .values({
                ...plan.deal,
                clientId: plan.deal.clientId ?? clientId,
                stage: stage.code,
                open,
                closedAt: open ? null : at,
                createdAt: at,
                updatedAt: at,
              })
              .returning()
              .all();
            if (!deal) throw new Error('the deal was not stored');
            dealId = deal.id;
            recordChange(tx, {
              entity: 'deal',
              entityId: deal.id,
              userId: context.userId,
              action: 'created',
              before: null,
              after: { ...deal },
              at,
            });
            recordEvent(tx, {
              type: 'deal.created',
              leadId: id,
              payload: { dealId: deal.id, clientId: deal.clientId, leadId: id },
              at,
            });
          }

          const [converted] = tx
            .update(leads)
            .set({
              stage: successStage.code,
              open: false,
              closedAt: at,
              updatedAt: at,
              clientId: clientId ?? lead.clientId,
            })
            .where(eq(leads.id, id))
            .returning()
            .all();
          if (!converted) throw new Error('the lead was not updated');
          const result = { clientId: converted.clientId, companyId, contactId, dealId };
          recordChange(tx, {
            entity: 'lead',
            entityId: id,
            userId: context.userId,
            action: 'converted',
            before: { stage: lead.stage, clientId: lead.clientId },
            after: { stage: converted.stage, ...result },
            at,
          });
          recordEvent(tx, {
            type: 'lead.converted',
            leadId: id,
            payload: { leadId: id, type: lead.type, ...result },
            at,
          });
          return { ok: true, result: { lead: converted, ...result } } as const;
        },
        { behavior: 'immediate' },
      );
    },

    async addNote(leadId, text, context, scope) {
      return db.transaction(
        (tx) => {
          if (!findLead(tx, leadId, scope)) return undefined;
          const [note] = tx
            .insert(notes)
            .values({ leadId, authorId: context.userId, text, createdAt: context.at })
            .returning()
            .all();
          if (!note) throw new Error('the note was not stored');
          recordChange(tx, {
            entity: 'lead',
            entityId: leadId,
            userId: context.userId,
            action: 'note_added',
            before: null,
            after: { noteId: note.id },
            at: context.at,
          });
          recordEvent(tx, {
            type: 'lead.note_added',
            leadId,
            payload: { leadId, noteId: note.id },
            at: context.at,
          });
          return note;
        },
        { behavior: 'immediate' },
      );
    },
  };
}
