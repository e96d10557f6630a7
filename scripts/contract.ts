/**
 * `npm run contract`: regenerates docs/asyncapi.json (from events/catalog.ts) and docs/openapi.json
 * (from serverless.yml's routes and their zod schemas). Refuses, writing nothing, when a topic's
 * schema change would reject records written under the committed contract and its
 * `contractVersion` was not bumped with a migration note.
 *
 *   npm run contract             write both documents
 *   npm run contract -- --check  exit 1 if a committed document is stale (writes nothing)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { topics } from '../events/catalog';
import { committedDocument, DOCUMENTS, type DocumentName, generatedDocuments, ROOT } from '../lib/contract/documents';
import { contractViolations } from '../lib/contract/guard';

function main(): number {
  const check = process.argv.includes('--check');
  const committedAsyncApi = committedDocument('asyncapi');
  if (committedAsyncApi) {
    const violations = contractViolations(JSON.parse(committedAsyncApi), topics);
    if (violations.length > 0) {
      console.error(`Incompatible change to the committed event contract (${DOCUMENTS.asyncapi}); nothing written:`);
      for (const v of violations) console.error(`  ${v.topic}: ${v.problem}`);
      return 1;
    }
  }
  const documents = generatedDocuments();
  const stale = (Object.keys(documents) as DocumentName[]).filter((name) => committedDocument(name) !== documents[name]);
  if (check) {
    for (const name of stale) console.error(`${DOCUMENTS[name]} is stale: run npm run contract and commit it`);
    return stale.length > 0 ? 1 : 0;
  }
  for (const name of stale) {
    const file = join(ROOT, DOCUMENTS[name]);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, documents[name]);
  }
  console.log(stale.length > 0 ? `Wrote ${stale.map((name) => DOCUMENTS[name]).join(', ')}` : 'Contract documents are up to date');
  return 0;
}

process.exitCode = main();
