// The document types value set, which every documents screen needs: fetched once after sign-in.
import type { Document, DocumentType } from '../../client/src/index.ts';
import { session } from './session.ts';
import { client } from './state.ts';

let valueSet: { types: DocumentType[]; categories: DocumentType[] } = { types: [], categories: [] };

export const documentTypes = (): DocumentType[] => valueSet.types;

export async function ensureValueSet(): Promise<void> {
  if (!valueSet.types.length && session()) valueSet = await client.documentTypes().catch(() => valueSet);
}

export const typeName = (d: Document) => d.type?.display ?? valueSet.types.find((t) => t.code === d.type?.code)?.display ?? d.type?.code ?? '';
