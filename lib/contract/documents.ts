/**
 * The two contract documents, built from the project's own definitions, and where they are committed.
 * `npm run contract` (scripts/contract.ts) writes them; test/contract/ checks them.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { publishers, topics } from '../../events/catalog';
import { topicSpecs } from '../kafka/topics';
import { asyncApiDocument } from './asyncapi';
import { openApiDocument } from './openapi';
import { httpRoutes } from './routes';

export const ROOT = resolve(__dirname, '../..');

/** Committed documents, relative to the project root. */
export const DOCUMENTS = { asyncapi: 'docs/asyncapi.json', openapi: 'docs/openapi.json' } as const;

export type DocumentName = keyof typeof DOCUMENTS;

function version(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Both documents as they should be committed: JSON, two-space indented, newline-terminated. */
export function generatedDocuments(root = ROOT): Record<DocumentName, string> {
  const text = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;
  return {
    // Partition counts and retention as ensureTopics creates them; the replication factor is per stage and not part of the contract.
    asyncapi: text(asyncApiDocument({ topics, publishers, specs: topicSpecs({ replicationFactor: 1 }), version: version() })),
    openapi: text(openApiDocument({ routes: httpRoutes(root), publishers, version: version() })),
  };
}

/** The committed text of a document, or undefined when there is none yet. */
export function committedDocument(name: DocumentName, root = ROOT): string | undefined {
  try {
    return readFileSync(join(root, DOCUMENTS[name]), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
