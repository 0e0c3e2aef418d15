/** PostgreSQL: an operator's changes to a lead (fields, stage, responsible, conversion, notes). */
import { and, asc, eq, inArray, isNotNull } from 'drizzle-orm';
import { planLeadUpdate } from '../../core/lead-update.ts';
import type { LeadRepository } from '../../core/repositories/leads.ts';
import { getClient } from './clients.ts';
import { lockIdentityKeys } from './ingest.ts';
import { findLead } from './leads.ts';
import { drizzleOf, type PgDb } from './open.ts';
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
import { inTransaction } from './transaction.ts';
import { duplicateKeys, keysAfter } from '../../core/duplicate-keys.ts';

type Changes = Pick<LeadRepository, 'update' | 'convert' | 'addNote'>;

export function pgLeadChanges(db: PgDb): Changes {
  return {
    update(id, patch, context, scope) {
      return inTransaction(db.$client, async (client) => {
        const tx = drizzleOf(client);
        const lead = await findLead(tx, id, scope, true);
        if (!lead) return { ok: false, problem: 'no-lead' } as const;
        if (patch.responsibleId != null) {
          const [user] = await tx
            .select({ id: users.id })
            .from(users)
            .where(eq(users.id, patch.responsibleId));
          if (!user) return { ok: false, problem: 'no-user' } as const;
        }
        const planned = planLeadUpdate(
          lead,
          patch,
          await tx.select().from(stages).orderBy(asc(stages.sort)),
          (await tx.select({ code: junkReasons.code }).from(junkReasons)).map((row) => row.code),
          context.at,
        );
        if (!planned.ok) return planned;
        const { set, entries, events } = planned.changes;
        if (!Object.keys(set).length) return { ok: true, lead } as const;
        const [updated] = await tx
          .update(leads)
          .set({ ...set, ...keysAfter(lead, set) })
          .where(eq(leads.id, id))
          .returning();
        for (const entry of entries) {
          await recordChange(tx, {
            entity: 'lead',
            entityId: id,
            userId: context.userId,
            at: context.at,
            ...entry,
          });
        }
        for (const event of events) await recordEvent(tx, { ...event, leadId: id, at: context.at });
        return { ok: true, lead: updated ?? lead } as const;
      });
    },

    convert(id, scope, decide, context) {
      const at = context.at;
      return inTransaction(db.$client, async (connection) => {
        const tx = drizzleOf(connection);
        const ownIdentities = () =>
          tx
            .select({ kind: identities.kind, key: identities.key, raw: identities.raw })
            .from(identities)
            .where(eq(identities.leadId, id))
            .orderBy(asc(identities.id));
        // The ingest's locks on the person's identity keys: a message from them is decided
        // either before the conversion (and joins the lead) or after it (a repeat lead).
        let own = await ownIdentities();
        for (let locked = new Set<string>(); ;) {
          const keys = own.map((identity) => identity.key).filter((key) => !locked.has(key));
          if (!keys.length) break;
          await lockIdentityKeys(connection, keys);
          for (const key of keys) locked.add(key);
          own = await ownIdentities();
        }
        const lead = await findLead(tx, id, scope, true);
        if (!lead) {
          return { ok: false, problem: 'no-lead', message: `lead ${id} does not exist` } as const;
        }
        const keys = own.map((identity) => identity.key);
        const candidateIds = keys.length
          ? (
              await tx
                .selectDistinct({ clientId: identities.clientId })
                .from(identities)
                .where(and(inArray(identities.key, keys), isNotNull(identities.clientId)))
            ).flatMap((row) => (row.clientId === null ? [] : [row.clientId]))
          : [];
        const [successStage] = await tx
          .select()
          .from(stages)
          .where(eq(stages.semantics, 'success'))
          .orderBy(asc(stages.sort))
          .limit(1);
        if (!successStage) throw new Error('no success stage: the stage rules keep one');
        const candidates = [];
        for (const clientId of candidateIds) {
          const candidate = await getClient(tx, clientId);
          if (candidate) candidates.push(candidate);
        }
        const decision = decide({
          lead,
          identities: own,
          candidates,
          successStage: successStage.code,
        });
        if (!decision.ok) return decision;
        const { plan } = decision;

        const insertClient = async (values: typeof clients.$inferInsert) => {
          const [row] = await tx
            .insert(clients)
            .values({ ...values, ...duplicateKeys(values.name, values.company) })
            .returning();
          if (!row) throw new Error('the client was not stored');
          await recordChange(tx, {
            entity: 'client',
            entityId: row.id,
            userId: context.userId,
            action: 'created',
            before: null,
            after: { ...row, leadId: id },
            at,
          });
          await recordEvent(tx, {
            type: 'client.created',
            leadId: id,
            payload: { clientId: row.id, kind: row.kind, leadId: id },
            at,
          });
          return row.id;
        };
        const companyId = plan.company
          ? await insertClient({
              kind: 'company',
              name: null,
              company: plan.company.name,
              responsibleId: plan.company.responsibleId,
              createdAt: at,
              updatedAt: at,
            })
          : null;
        const contactId = plan.contact
          ? await insertClient({
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
          await tx
            .insert(identities)
            .values(own.map((identity) => ({ ...identity, clientId, createdAt: at })))
            .onConflictDoNothing();
          await tx.delete(identities).where(eq(identities.leadId, id));
          await recordChange(tx, {
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
          const [stage] = await tx
            .select()
            .from(dealStages)
            .where(
              plan.deal.stage
                ? eq(dealStages.code, plan.deal.stage)
                : eq(dealStages.semantics, 'process'),
            )
            .orderBy(asc(dealStages.sort))
            .limit(1);
          if (!stage) throw new Error('the deal stage was checked before converting');
          const open = stage.semantics === 'process';
          const [deal] = await tx
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
            .returning();
          if (!deal) throw new Error('the deal was not stored');
          dealId = deal.id;
          await recordChange(tx, {
            entity: 'deal',
            entityId: deal.id,
            userId: context.userId,
            action: 'created',
            before: null,
            after: { ...deal },
            at,
          });
          await recordEvent(tx, {
            type: 'deal.created',
            leadId: id,
            payload: { dealId: deal.id, clientId: deal.clientId, leadId: id },
            at,
          });
        }

        const [converted] = await tx
          .update(leads)
          .set({
            stage: successStage.code,
            open: false,
            closedAt: at,
            updatedAt: at,
            clientId: clientId ?? lead.clientId,
          })
          .where(eq(leads.id, id))
          .returning();
        if (!converted) throw new Error('the lead was not updated');
        const result = { clientId: converted.clientId, companyId, contactId, dealId };
        await recordChange(tx, {
          entity: 'lead',
          entityId: id,
          userId: context.userId,
          action: 'converted',
          before: { stage: lead.stage, clientId: lead.clientId },
          after: { stage: converted.stage, ...result },
          at,
        });
        await recordEvent(tx, {
          type: 'lead.converted',
          leadId: id,
          payload: { leadId: id, type: lead.type, ...result },
          at,
        });
        return { ok: true, result: { lead: converted, ...result } } as const;
      });
    },

    addNote(leadId, text, context, scope) {
      return inTransaction(db.$client, async (client) => {
        const tx = drizzleOf(client);
        if (!(await findLead(tx, leadId, scope))) return undefined;
        const [note] = await tx
          .insert(notes)
          .values({ leadId, authorId: context.userId, text, createdAt: context.at })
          .returning();
        if (!note) throw new Error('the note was not stored');
        await recordChange(tx, {
          entity: 'lead',
          entityId: leadId,
          userId: context.userId,
          action: 'note_added',
          before: null,
          after: { noteId: note.id },
          at: context.at,
        });
        await recordEvent(tx, {
          type: 'lead.note_added',
          leadId,
          payload: { leadId, noteId: note.id },
          at: context.at,
        });
        return note;
      });
    },
  };
}
