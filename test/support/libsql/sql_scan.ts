/**
 * A just-enough SQLite lexer: it finds the bind parameters of one SQL text and
 * counts its statements, skipping string literals, quoted identifiers and
 * comments. The `libsql` npm binding can only bind *all* parameters by
 * position or *all* by name (and aborts the process when asked to bind an
 * anonymous `?` by name), so the server resolves Hrana's named arguments to
 * positions itself, following SQLite's numbering rules.
 *
 * @module
 */

/** One bind parameter as SQLite numbers it. */
export interface SqlParameter {
  /** 1-based index used by `sqlite3_bind_*`. */
  index: number;
  /** Name with its prefix (`:id`, `@id`, `$id`, `?3`), or null for a bare `?`. */
  name: string | null;
}

/** What a scan found in one SQL text. */
export interface SqlScan {
  /** Distinct parameters in index order. */
  parameters: SqlParameter[];
  /** Highest parameter index (the number of values to bind). */
  parameterCount: number;
  /** Statements that contain at least one token. */
  statementCount: number;
  /** True when the text mentions TRIGGER outside literals (its body holds `;`). */
  mentionsTrigger: boolean;
}

const isDigit = (c: string) => c >= "0" && c <= "9";
const isIdentifierChar = (c: string) =>
  (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || isDigit(c) || c === "_" || c === "$" ||
  c.charCodeAt(0) >= 0x80;

/** Index just past a quoted run that started at `start` with `quote` closing it. */
function skipQuoted(sql: string, start: number, close: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === close) {
      // SQL escapes a quote by doubling it; `]` has no escape.
      if (close !== "]" && sql[i + 1] === close) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

function skipWhile(sql: string, start: number, test: (c: string) => boolean): number {
  let i = start;
  while (i < sql.length && test(sql[i])) i++;
  return i;
}

/** Scan `sql` for parameters and statements. */
export function scanSql(sql: string): SqlScan {
  const byName = new Map<string, SqlParameter>();
  const parameters: SqlParameter[] = [];
  let parameterCount = 0;
  let statementCount = 0;
  let hasTokenInStatement = false;
  let mentionsTrigger = false;

  const token = () => {
    if (!hasTokenInStatement) statementCount++;
    hasTokenInStatement = true;
  };
  const addParameter = (name: string | null, index?: number) => {
    if (name !== null && byName.has(name)) return;
    const resolved = index ?? parameterCount + 1;
    parameterCount = Math.max(parameterCount, resolved);
    const parameter = { index: resolved, name };
    parameters.push(parameter);
    if (name !== null) byName.set(name, parameter);
  };

  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
      i++;
    } else if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === ";") {
      hasTokenInStatement = false;
      i++;
    } else if (c === "'" || c === '"' || c === "`") {
      token();
      i = skipQuoted(sql, i, c);
    } else if (c === "[") {
      token();
      i = skipQuoted(sql, i, "]");
    } else if (c === "?") {
      token();
      const end = skipWhile(sql, i + 1, isDigit);
      if (end > i + 1) {
        addParameter(sql.slice(i, end), Number(sql.slice(i + 1, end)));
      } else {
        addParameter(null);
      }
      i = end;
    } else if (
      (c === ":" || c === "@" || c === "$") && next !== undefined && isIdentifierChar(next)
    ) {
      token();
      const end = skipWhile(sql, i + 1, isIdentifierChar);
      addParameter(sql.slice(i, end));
      i = end;
    } else if (isIdentifierChar(c)) {
      token();
      const end = skipWhile(sql, i, isIdentifierChar);
      if (sql.slice(i, end).toUpperCase() === "TRIGGER") mentionsTrigger = true;
      i = end;
    } else {
      token();
      i++;
    }
  }
  parameters.sort((a, b) => a.index - b.index);
  return { parameters, parameterCount, statementCount, mentionsTrigger };
}
