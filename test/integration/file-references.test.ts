import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../support/start-command.ts';

// Every file a comment or a document names exists (issue #17): a reader who follows a reference
// finds it. Markdown is read outside its code blocks (examples name files of the reader's own
// project); sources only in their comments.

const SKIPPED_FOLDERS = new Set([
  'node_modules',
  'dist',
  '.git',
  '.data',
  '.tmp',
  'coverage',
  'test-artifacts',
  'target',
  'dbt_packages',
  'logs',
]);
const SOURCE = /\.(ts|js|mjs)$/;
/** A file name with a known extension, with or without folders; not part of a URL, word or package name. */
const FILE_NAME =
  /(?<![\w@/.:~-])((?:\.{1,2}\/)*(?:[\w.-]+\/)*[\w-][\w.-]*\.(?:md|ts|js|mjs|json|sql|ya?ml|sh|txt|graphql|py|toml))(?![\w/-])/g;
/** The design notes, which some comments cite by their upper-case name alone: a file like any other. */
const DESIGN_NAME = /\bDESIGN\b(?!\.md)/g;

/**
 * The files a text refers to: names with a folder, or Markdown files named alone. A path under a
 * configured folder (`DATA_DIR/…`) names no file of the repository.
 */
export function fileReferences(text: string): string[] {
  const names = [...text.matchAll(FILE_NAME)]
    .map((m) => m[1]!)
    .filter((name) => (name.includes('/') || name.endsWith('.md')) && !/^[A-Z][A-Z0-9_]*\//.test(name));
  return [...names, ...[...text.matchAll(DESIGN_NAME)].map(() => 'DESIGN.md')];
}

/** The comments of a TypeScript or JavaScript source. */
export function commentsOf(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const seen = new Set<number>();
  const comments: string[] = [];
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const range of ranges ?? []) {
      if (seen.has(range.pos)) continue;
      seen.add(range.pos);
      comments.push(text.slice(range.pos, range.end));
    }
  };
  const visit = (node: ts.Node) => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    node.forEachChild(visit);
  };
  visit(source);
  collect(ts.getLeadingCommentRanges(text, source.endOfFileToken.getFullStart()));
  return comments;
}

/** The prose of a Markdown file: everything outside fenced code blocks. */
export function markdownProse(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

function repositoryFiles(folder = repositoryRoot): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : repositoryFiles(path.join(folder, entry.name));
    return entry.isFile() && (SOURCE.test(entry.name) || entry.name.endsWith('.md')) ? [path.join(folder, entry.name)] : [];
  });
}

/** The folder of the package a file belongs to: paths in a package's own files may start there. */
function packageFolder(file: string): string {
  for (let folder = path.dirname(file); folder.startsWith(repositoryRoot); folder = path.dirname(folder)) {
    if (fs.existsSync(path.join(folder, 'package.json'))) return folder;
  }
  return repositoryRoot;
}

/** Whether a reference made in `file` names an existing file or folder: from the repository's root, the file's folder, its package's folder, or an installed package. */
function exists(file: string, reference: string): boolean {
  const name = reference.replace(/^\.\//, '');
  return [repositoryRoot, path.dirname(file), packageFolder(file), path.join(repositoryRoot, 'node_modules')].some((base) =>
    fs.existsSync(path.resolve(base, name)),
  );
}

/** `file: reference` for every reference of the repository's comments and documents that names no existing file. */
function missingReferences(): string[] {
  return repositoryFiles().flatMap((file) => {
    const text = fs.readFileSync(file, 'utf8');
    const read = file.endsWith('.md') ? [markdownProse(text)] : commentsOf(file, text);
    const references = new Set(read.flatMap(fileReferences));
    return [...references]
      .filter((reference) => !exists(file, reference))
      .map((reference) => `${path.relative(repositoryRoot, file)}: ${reference}`);
  });
}

describe('references to files in comments and documents', () => {
  it('finds the references of comments and prose, not of code or code examples', () => {
    const source = `// see docs/guide.md and DESIGN §2
const url = 'https://example.com/a/b.md'; /* plugins/x/index.ts */ const s = "not/a/comment.ts";`;
    expect(commentsOf('x.ts', source).flatMap(fileReferences)).toEqual(['docs/guide.md', 'DESIGN.md', 'plugins/x/index.ts']);
    expect(fileReferences('a [link](../README.md#top), `server/main.ts`, index.ts, @scope/pkg/file.js, https://x.io/y/z.ts')).toEqual([
      '../README.md',
      'server/main.ts',
    ]);
    expect(fileReferences(markdownProse('before docs/a.md\n```ts\nimport x from "./src/index.ts";\n```\nafter'))).toEqual(['docs/a.md']);
  });

  it('names only files that exist in the repository', () => {
    expect(missingReferences()).toEqual([]);
  });
});
