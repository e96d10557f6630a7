/**
 * The `@example` blocks of lib/'s doc comments, as code: found with the TypeScript parser, and
 * wrapped into a file that sits next to its module so the example can be type-checked against it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import ts from 'typescript';

export interface DocExample {
  /** The module, relative to the repository (`lib/stores/once.ts`). */
  module: string;
  /** 1-based, among the module's examples. */
  index: number;
  /** The example's code, comment markers removed. */
  code: string;
}

/** Every `.ts` file under `dir` (declaration files left out). */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(dir, file))
    .sort();
}

/** The `@example` blocks of one module's doc comments. */
export function examplesOf(file: string, root: string): DocExample[] {
  const text = readFileSync(file, 'utf8');
  const examples: DocExample[] = [];
  // Doc comments are `/** ... */` anywhere (file headers too): scan them all, in order.
  for (const match of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const lines = (match[1] ?? '').split('\n').map((line) => line.replace(/^\s*\* ?/, ''));
    let current: string[] | undefined;
    const flush = () => {
      if (current) examples.push({ module: relative(root, file), index: examples.length + 1, code: current.join('\n').trim() });
      current = undefined;
    };
    for (const line of lines) {
      if (/^@example\b/.test(line.trim())) {
        flush();
        current = [line.trim().replace(/^@example\s*/, '')];
      } else if (/^@\w+/.test(line.trim())) flush();
      else current?.push(line);
    }
    flush();
  }
  return examples;
}

/** The names a module exports (its own declarations and `export { ... }` lists; not `export *`). */
export function exportedNames(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) names.push(element.name.text);
      continue;
    }
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    const isDefault = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    if (!exported || isDefault) continue;
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) if (ts.isIdentifier(declaration.name)) names.push(declaration.name.text);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.push(statement.name.text);
    }
  }
  return [...new Set(names)];
}

/**
 * The example as a module next to `file`: every export of `file` imported by name, then
 * `preamble` (imports and `declare const` lines for the free variables the example uses), then
 * the example's code as the body of an async function (a leading `export` dropped, so an example
 * that shows a handler's declaration still reads as one).
 */
export function exampleModule(file: string, code: string, preamble = ''): string {
  const names = exportedNames(file);
  const specifier = `./${basename(file, '.ts')}`;
  const body = code
    .split('\n')
    .map((line) => `  ${line.replace(/^export /, '')}`)
    .join('\n');
  return [
    names.length > 0 ? `import { ${names.join(', ')} } from '${specifier}';` : '',
    preamble,
    'export async function example(): Promise<void> {',
    body,
    '}',
    '',
  ].join('\n');
}
