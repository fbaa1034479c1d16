// A small parser for the Alloy configuration syntax (blocks, attributes, strings, numbers, arrays, objects,
// references and function calls: what config/alloy.ts writes), so tests can assert on the structure of the
// file without an Alloy binary.

export type AlloyValue =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "null" }
  | { kind: "array"; items: AlloyValue[] }
  | { kind: "object"; fields: Record<string, AlloyValue> }
  | { kind: "ref"; path: string[] }
  | { kind: "call"; fn: string[]; args: AlloyValue[] };

export interface AlloyBlock {
  name: string;
  label?: string;
  attributes: Record<string, AlloyValue>;
  blocks: AlloyBlock[];
}

type Token = { type: "ident" | "string" | "number" | "punct"; text: string; pos: number };

export class AlloySyntaxError extends Error {}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (source.startsWith("//", i)) { while (i < source.length && source[i] !== "\n") i++; continue; }
    if (source.startsWith("/*", i)) {
      const end = source.indexOf("*/", i + 2);
      if (end < 0) throw new AlloySyntaxError(`unterminated comment at ${i}`);
      i = end + 2;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') {
        if (source[j] === "\n") throw new AlloySyntaxError(`newline in string at ${i}`);
        j += source[j] === "\\" ? 2 : 1;
      }
      if (j >= source.length) throw new AlloySyntaxError(`unterminated string at ${i}`);
      tokens.push({ type: "string", text: JSON.parse(source.slice(i, j + 1)) as string, pos: i });
      i = j + 1;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (ident) { tokens.push({ type: "ident", text: ident[0], pos: i }); i += ident[0].length; continue; }
    const num = /^[0-9]+(\.[0-9]+)?/.exec(source.slice(i));
    if (num) { tokens.push({ type: "number", text: num[0], pos: i }); i += num[0].length; continue; }
    if ("{}[]()=,.".includes(c)) { tokens.push({ type: "punct", text: c, pos: i }); i++; continue; }
    throw new AlloySyntaxError(`unexpected character ${JSON.stringify(c)} at ${i}`);
  }
  return tokens;
}

export function parseAlloy(source: string): AlloyBlock {
  const tokens = tokenize(source);
  let k = 0;
  const peek = (offset = 0) => tokens[k + offset];
  const fail = (what: string): never => {
    const t = peek();
    throw new AlloySyntaxError(`expected ${what} at ${t ? `${t.pos} (${JSON.stringify(t.text)})` : "end of file"}`);
  };
  const isPunct = (text: string, offset = 0) => peek(offset)?.type === "punct" && peek(offset)?.text === text;
  const expectPunct = (text: string) => (isPunct(text) ? tokens[k++]! : fail(text));
  const dotted = (): string[] => {
    const parts = [peek()?.type === "ident" ? tokens[k++]!.text : fail("identifier")];
    while (isPunct(".")) { k++; parts.push(peek()?.type === "ident" ? tokens[k++]!.text : fail("identifier after .")); }
    return parts;
  };

  function value(): AlloyValue {
    const t = peek() ?? fail("a value");
    if (t.type === "string") { k++; return { kind: "string", value: t.text }; }
    if (t.type === "number") { k++; return { kind: "number", value: Number(t.text) }; }
    if (isPunct("[")) {
      k++;
      const items: AlloyValue[] = [];
      while (!isPunct("]")) { items.push(value()); if (!isPunct("]")) expectPunct(","); }
      k++;
      return { kind: "array", items };
    }
    if (isPunct("{")) {
      k++;
      const fields: Record<string, AlloyValue> = {};
      while (!isPunct("}")) {
        const key = peek()?.type === "ident" || peek()?.type === "string" ? tokens[k++]!.text : fail("object key");
        if (key in fields) throw new AlloySyntaxError(`duplicate key ${key}`);
        expectPunct("=");
        fields[key] = value();
        if (!isPunct("}")) expectPunct(",");
      }
      k++;
      return { kind: "object", fields };
    }
    if (t.type === "ident") {
      if (t.text === "true" || t.text === "false") { k++; return { kind: "bool", value: t.text === "true" }; }
      if (t.text === "null") { k++; return { kind: "null" }; }
      const path = dotted();
      if (isPunct("(")) {
        k++;
        const args: AlloyValue[] = [];
        while (!isPunct(")")) { args.push(value()); if (!isPunct(")")) expectPunct(","); }
        k++;
        return { kind: "call", fn: path, args };
      }
      return { kind: "ref", path };
    }
    return fail("a value");
  }

  function body(block: AlloyBlock, closing: boolean): AlloyBlock {
    while (closing ? !isPunct("}") : k < tokens.length) {
      if (peek() === undefined) fail("}");
      if (peek()!.type === "ident" && isPunct("=", 1)) {
        const name = tokens[k]!.text;
        k += 2;
        if (name in block.attributes) throw new AlloySyntaxError(`attribute ${name} set twice`);
        block.attributes[name] = value();
        continue;
      }
      const name = dotted().join(".");
      const label = peek()?.type === "string" ? tokens[k++]!.text : undefined;
      expectPunct("{");
      block.blocks.push(body({ name, label, attributes: {}, blocks: [] }, true));
      k++;
    }
    return block;
  }

  return body({ name: "<root>", attributes: {}, blocks: [] }, false);
}
