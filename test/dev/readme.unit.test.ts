/** README's "Try every route" block is the list `npm run dev` prints and test/dev/examples.test.ts runs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { examplesText, ROUTE_EXAMPLES } from '../../lib/local/examples';

const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');

it('README shows the examples exactly as npm run dev prints them', () => {
  expect(readme).toContain(`\`\`\`bash\n${examplesText()}\n\`\`\``);
});

it('has an example for every HTTP route of serverless.yml', () => {
  const service = z
    .object({
      functions: z.record(
        z.string(),
        z.object({ events: z.array(z.object({ httpApi: z.object({ method: z.string(), path: z.string() }).optional() })).optional() }),
      ),
    })
    .parse(parse(readFileSync(join(__dirname, '../../serverless.yml'), 'utf8'), { merge: true }));
  const routes = Object.values(service.functions).flatMap((fn) =>
    (fn.events ?? []).flatMap((e) => (e.httpApi ? [`${e.httpApi.method} ${e.httpApi.path}`] : [])),
  );
  expect(routes.length).toBeGreaterThan(5);
  for (const route of routes) expect(ROUTE_EXAMPLES.map((e) => e.route)).toContain(route);
});
