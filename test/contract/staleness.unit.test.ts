/** The committed contract documents are what `npm run contract` generates from the code today. */
import { committedDocument, DOCUMENTS, type DocumentName, generatedDocuments } from '../../lib/contract/documents';

const generated = generatedDocuments();

describe.each(Object.keys(DOCUMENTS) as DocumentName[])('%s document', (name) => {
  it(`is committed up to date (${DOCUMENTS[name]}): run \`npm run contract\` after changing the catalog or a route`, () => {
    const committed = committedDocument(name);
    expect(committed).toBeDefined();
    // Compared as JSON first, for a readable diff; then as text, so formatting is stable too.
    expect(JSON.parse(committed ?? 'null')).toEqual(JSON.parse(generated[name]));
    expect(committed).toBe(generated[name]);
  });
});
