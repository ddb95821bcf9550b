import { isVersionBetween } from './versions';

/**
 * One `## <version>` section of a template's CHANGELOG.md.
 *
 * @public
 */
export interface ChangelogSection {
  version: string;
  /** The date after the version in the heading (`## 1.2.0 - 2026-11-30`), if any. */
  date?: string;
  /** The section's Markdown, without its heading. */
  body: string;
}

const HEADING =
  /^## \[?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\]?(?:\s*[-–—(]\s*(\d{4}-\d{2}-\d{2})\)?)?\s*$/;

/**
 * The version sections of a changelog, in file order (newest first by convention).
 *
 * @public
 */
export function parseChangelog(markdown: string): ChangelogSection[] {
  const sections: ChangelogSection[] = [];
  let current: { version: string; date?: string; lines: string[] } | undefined;
  const flush = () => {
    if (current) {
      sections.push({
        version: current.version,
        ...(current.date ? { date: current.date } : {}),
        body: current.lines.join('\n').trim(),
      });
    }
  };
  for (const line of markdown.split(/\r?\n/)) {
    if (line.startsWith('## ')) {
      flush();
      const match = HEADING.exec(line);
      current = match
        ? { version: match[1], date: match[2], lines: [] }
        : undefined;
    } else if (current) {
      current.lines.push(line);
    }
  }
  flush();
  return sections;
}

/**
 * The sections of the versions after `from` up to and including `to`, newest first.
 *
 * @public
 */
export function changesBetween(
  sections: ChangelogSection[],
  from: string,
  to: string,
): ChangelogSection[] {
  return sections.filter(s => isVersionBetween(s.version, from, to));
}
