/** Definitions of custom fields per entity (core/custom-fields.ts holds what values they take). */
import type { CustomFieldDefinition, CustomFieldEntity } from '../custom-fields.ts';

export type NewCustomField = Omit<CustomFieldDefinition, 'id' | 'sort'> & {
  sort?: number | undefined;
};
export type CustomFieldPatch = Partial<
  Pick<CustomFieldDefinition, 'label' | 'required' | 'options' | 'sort'>
>;

export type CustomFieldWrite =
  { ok: true; field: CustomFieldDefinition } | { ok: false; problem: 'key-taken' | 'no-field' };

export interface CustomFieldRepository {
  /** Every definition (of one entity when given), in sort order. */
  list(entity?: CustomFieldEntity): Promise<CustomFieldDefinition[]>;
  create(field: NewCustomField): Promise<CustomFieldWrite>;
  update(id: number, patch: CustomFieldPatch): Promise<CustomFieldWrite>;
  /** The values stay in the records (unseen) until a field with the same key is defined again. */
  delete(id: number): Promise<boolean>;
}
