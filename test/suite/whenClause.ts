// VS Code's `when` clause language, the part the MoE Lab manifest uses, evaluated for a test's context (bundled into
// the tests that import it; not a test file itself). VS Code does not export its evaluator to extensions.
//
//   expression := or;  or := and ('||' and)*;  and := unary ('&&' unary)*;  unary := '!' unary | '(' or ')' | term
//   term := 'true' | 'false' | key [('==' | '!=' | '=~' | '<' | '<=' | '>' | '>=') value]
//
// A key the context does not define throws: in VS Code it would be unset (falsy) for ever, which is always a mistake
// in a manifest (a typo, or a key no one sets).

export type WhenContext = Record<string, string | number | boolean>;

type Token = { kind: 'op'; text: string } | { kind: 'word'; text: string } | { kind: 'regex'; regex: RegExp };

const OPERATORS = ['&&', '||', '==', '!=', '=~', '<=', '>=', '<', '>', '!', '(', ')'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    if (/\s/.test(source[i])) {
      i++;
      continue;
    }
    const previous = tokens[tokens.length - 1];
    if (source[i] === '/' && previous?.kind === 'op' && previous.text === '=~') {
      let end = i + 1;
      while (end < source.length && source[end] !== '/') end += source[end] === '\\' ? 2 : 1;
      const flags = /^[gimsuy]*/.exec(source.slice(end + 1))![0];
      tokens.push({ kind: 'regex', regex: new RegExp(source.slice(i + 1, end), flags) });
      i = end + 1 + flags.length;
      continue;
    }
    const operator = OPERATORS.find((op) => source.startsWith(op, i));
    if (operator) {
      tokens.push({ kind: 'op', text: operator });
      i += operator.length;
      continue;
    }
    if (source[i] === "'" || source[i] === '"') {
      const end = source.indexOf(source[i], i + 1);
      if (end < 0) throw new Error(`unterminated string in "${source}"`);
      tokens.push({ kind: 'word', text: source.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const word = /^[^\s()!&|=<>]+/.exec(source.slice(i))![0];
    tokens.push({ kind: 'word', text: word });
    i += word.length;
  }
  return tokens;
}

/** Whether `when` holds in `context` (an absent clause always holds). */
export function evaluateWhen(when: string | undefined, context: WhenContext): boolean {
  if (when === undefined || when.trim() === '') return true;
  const tokens = tokenize(when);
  let at = 0;
  const peek = () => tokens[at];
  const isOp = (text: string) => peek()?.kind === 'op' && (peek() as { text: string }).text === text;
  const fail = (what: string): never => {
    throw new Error(`when clause "${when}": ${what}`);
  };

  const or = (): boolean => {
    let value = and();
    while (isOp('||')) {
      at++;
      value = and() || value;
    }
    return value;
  };
  const and = (): boolean => {
    let value = unary();
    while (isOp('&&')) {
      at++;
      value = unary() && value;
    }
    return value;
  };
  const unary = (): boolean => {
    if (isOp('!')) {
      at++;
      return !unary();
    }
    if (isOp('(')) {
      at++;
      const value = or();
      if (!isOp(')')) fail('missing )');
      at++;
      return value;
    }
    return term();
  };
  const term = (): boolean => {
    const token = tokens[at++];
    if (token?.kind !== 'word') return fail('expected a context key');
    if (token.text === 'true') return true;
    if (token.text === 'false') return false;
    if (!(token.text in context)) fail(`context key "${token.text}" is never set`);
    const value = context[token.text];
    const operator = peek()?.kind === 'op' ? (peek() as { text: string }).text : undefined;
    if (!operator || !['==', '!=', '=~', '<', '<=', '>', '>='].includes(operator)) return Boolean(value);
    at++;
    const right = tokens[at++];
    if (operator === '=~') {
      if (right?.kind !== 'regex') return fail('=~ needs a /regular expression/');
      return right.regex.test(String(value));
    }
    if (right?.kind !== 'word') return fail(`${operator} needs a value`);
    switch (operator) {
      case '==':
        return String(value) === right.text;
      case '!=':
        return String(value) !== right.text;
      case '<':
        return Number(value) < Number(right.text);
      case '<=':
        return Number(value) <= Number(right.text);
      case '>':
        return Number(value) > Number(right.text);
      default:
        return Number(value) >= Number(right.text);
    }
  };

  const result = or();
  if (at !== tokens.length) fail('unexpected text after the expression');
  return result;
}
