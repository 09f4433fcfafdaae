/**
 * Parsing JSON a person wrote, with an error that says where it breaks: line and column, and what was expected
 * there. Browser-safe.
 * @module
 */

/**
 * `JSON.parse(text)`, or an error naming `what`, the line and column of the first fault and what was expected there.
 * @param what the file or field the text came from, e.g. "form loan.json"
 * @throws Error `<what>: expected JSON, got a syntax error at line L, column C (…)`
 * @example parseJson('{"a": 1}', "form loan.json") // { a: 1 }
 */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const fault = findFault(text);
    if (fault === undefined)
      throw new Error(`${what}: expected JSON, got text that does not parse (${(e as Error).message})`);
    const before = text.slice(0, fault.offset).split(/\r?\n/);
    throw new Error(
      `${what}: expected JSON, got a syntax error at line ${before.length}, column ${before[before.length - 1].length + 1} ` +
        `(${fault.reason})`,
    );
  }
}

/** Where a JSON text first breaks the grammar (RFC 8259), and what was expected there. */
function findFault(text: string): { offset: number; reason: string } | undefined {
  let i = 0;
  class Fault {
    constructor(readonly reason: string) {}
  }
  const got = () =>
    i >= text.length
      ? "the text ends too soon: a bracket, brace or quote is not closed"
      : `got ${JSON.stringify(text[i])}`;
  const fail = (expected: string): never => {
    throw new Fault(i >= text.length ? got() : `expected ${expected}, ${got()}`);
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(`"${word}"`);
      i++;
    }
  };
  const string = () => {
    if (text[i] !== '"') fail("a double-quoted string");
    i++;
    for (;;) {
      if (i >= text.length) fail('a closing "');
      const ch = text[i];
      if (ch === '"') return void i++;
      if (ch < " ") fail("no control character inside a string (escape it)");
      if (ch === "\\") {
        i++;
        if (text[i] === "u") {
          i++;
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) fail("four hex digits after \\u");
          i += 4;
        } else if (i < text.length && '"\\/bfnrt'.includes(text[i])) i++;
        else fail('an escape such as \\" or \\n');
      } else i++;
    }
  };
  const value = (): void => {
    space();
    const ch = text[i];
    if (ch === "{") {
      i++;
      space();
      if (text[i] === "}") return void i++;
      for (;;) {
        space();
        if (text[i] !== '"') fail("a property name in double quotes");
        string();
        space();
        if (text[i] !== ":") fail('":" after the property name');
        i++;
        value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail('"," or "}"');
      }
    }
    if (ch === "[") {
      i++;
      space();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail('"," or "]"');
      }
    }
    if (ch === '"') return string();
    if (ch === "t") return literal("true");
    if (ch === "f") return literal("false");
    if (ch === "n") return literal("null");
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!number || number[0] === "" || number[0] === "-")
      fail("a value (an object, array, string, number, true, false or null)");
    i += number![0].length;
  };
  try {
    value();
    space();
    if (i < text.length) fail("the end of the text after the value");
    return undefined;
  } catch (e) {
    if (e instanceof Fault) return { offset: i, reason: e.reason };
    throw e;
  }
}
