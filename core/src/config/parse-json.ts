import { ConfigError } from '../errors.js';

/**
 * Parse a JSON config file. A syntax error becomes a {@link ConfigError} naming the file, the line
 * and column, and what was found there — `JSON.parse` on Node 20 often gives no position at all.
 */
export function parseJsonFile(text: string, filepath: string): unknown {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(source);
  } catch (error) {
    const found = findSyntaxError(source) ?? { offset: 0, message: (error as Error).message };
    const { line, column } = lineAndColumn(source, found.offset);
    throw new ConfigError(
      [{ path: '', message: `invalid JSON at line ${line}, column ${column}: ${found.message}` }],
      filepath,
      { cause: error },
    );
  }
}

interface SyntaxProblem {
  offset: number;
  message: string;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Scan `text` as JSON and report where the first syntax error is. */
function findSyntaxError(text: string): SyntaxProblem | undefined {
  let i = 0;

  const fail = (message: string): never => {
    throw new JsonSyntaxError(i, message);
  };
  const describe = (): string => {
    if (i >= text.length) return 'unexpected end of file';
    const ch = text[i] ?? '';
    if (ch === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) return 'unexpected comment (JSON has no comments)';
    return `unexpected ${JSON.stringify(ch)}`;
  };
  const skipWhitespace = (): void => {
    while (i < text.length && /[ \t\n\r]/.test(text[i] ?? '')) i++;
  };
  const expect = (ch: string, what: string): void => {
    skipWhitespace();
    if (text[i] !== ch) fail(`expected ${what}, found ${describe().replace('unexpected ', '')}`);
    i++;
  };

  const parseString = (): void => {
    i++; // opening quote
    while (i < text.length) {
      const ch = text[i] ?? '';
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === '\\') {
        const next = text[i + 1] ?? '';
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape in string');
          i += 6;
        } else if ('"\\/bfnrt'.includes(next) && next !== '') {
          i += 2;
        } else {
          fail(`invalid escape \\${next} in string`);
        }
        continue;
      }
      if (ch < ' ')
        fail(ch === '\n' ? 'unterminated string (line break inside a string)' : 'control character in string');
      i++;
    }
    fail('unterminated string');
  };

  const parseNumber = (): void => {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!match || match[0] === '-') fail(`invalid number`);
    i += match?.[0].length ?? 0;
  };

  const parseValue = (): void => {
    skipWhitespace();
    const ch = text[i];
    if (ch === '{') parseObject();
    else if (ch === '[') parseArray();
    else if (ch === '"') parseString();
    else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) parseNumber();
    else {
      const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
      if (!literal) fail(ch === "'" ? 'strings must use double quotes' : `${describe()}, expected a value`);
      i += literal?.length ?? 0;
    }
  };

  const parseObject = (): void => {
    i++;
    skipWhitespace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[i] === '}') fail('trailing comma before "}"');
      if (text[i] !== '"') fail(`${describe()}, expected a property name in double quotes`);
      parseString();
      expect(':', '":" after the property name');
      parseValue();
      skipWhitespace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(`${describe()}, expected "," or "}"`);
    }
  };

  const parseArray = (): void => {
    i++;
    skipWhitespace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[i] === ']') fail('trailing comma before "]"');
      parseValue();
      skipWhitespace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(`${describe()}, expected "," or "]"`);
    }
  };

  try {
    parseValue();
    skipWhitespace();
    if (i < text.length) fail(`${describe()} after the end of the JSON value`);
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { offset: error.offset, message: error.message };
    throw error;
  }
}
