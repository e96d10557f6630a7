/**
 * No function in lib/ or functions/ is longer than 80 lines (issue 13): a function that long does
 * several jobs, and each job should have a name. Counted from the line of its first token to the
 * line of its last, comments inside included; nested functions count on their own, and also
 * inside their parent. Generated strings (the dashboard page) are not functions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const MAX_LINES = 80;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|cjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every function-like node of `file` longer than `max` lines, as `path:line name (N lines)`. */
function longFunctions(path: string, text: string, max = MAX_LINES): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > max) {
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)';
        found.push(`${relative(ROOT, path)}:${start + 1} ${name} (${lines} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('no function in lib/ or functions/ is longer than 80 lines', () => {
  const files = [...sourceFiles(join(ROOT, 'lib')), ...sourceFiles(join(ROOT, 'functions'))];
  expect(files.length).toBeGreaterThan(50);
  expect(files.flatMap((file) => longFunctions(file, readFileSync(file, 'utf8')))).toEqual([]);
});

test('the check finds a long function (it can fail)', () => {
  const body = Array.from({ length: 90 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  expect(longFunctions(join(ROOT, 'lib', 'x.ts'), `export function tooLong() {\n${body}\n}\n`)).toEqual(['lib/x.ts:1 tooLong (92 lines)']);
  expect(longFunctions(join(ROOT, 'lib', 'x.ts'), 'export const short = () => 1;\n')).toEqual([]);
});
