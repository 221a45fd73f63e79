import { highlight, highlighter } from '../../src/ui/page/highlight';

const withGlobals = (names: string[]) => highlighter(names);

const kinds = (src: string, text: string): string[] =>
  highlight(src)
    .flat()
    .filter(([, t]) => t === text)
    .map(([k]) => k);

describe('script highlighter', () => {
  const script = [
    "export const meta = { name: 'audit', phases: ['scan'] };",
    "phase('scan');",
    '/* many',
    '   lines */',
    'const found = await parallel(args.files.map(f => () => agent("Find // not a comment in " + f, { label: f })));',
    'const re = /a\\/b[/]c/g; const half = found.length / 2; // halves',
    'const t = \x60tick ${found.length} \\\x60 still\x60;',
    'return { n: 0x1F + 1.5e3, ok: true, none: null };',
  ].join('\n');

  test('tokens give back the source exactly, line by line', () => {
    const lines = highlight(script);
    expect(lines.map((l) => l.map(([, t]) => t).join('')).join('\n')).toBe(script);
    expect(lines).toHaveLength(script.split('\n').length);
  });

  test('keywords, workflow globals, literals and numbers are told apart', () => {
    expect(kinds(script, 'const')[0]).toBe('kw');
    expect(kinds(script, 'await')).toEqual(['kw']);
    expect(kinds(script, 'agent')).toEqual(['dw']);
    expect(kinds(script, 'parallel')).toEqual(['dw']);
    expect(kinds(script, 'phase')).toEqual(['dw']);
    expect(kinds(script, 'true')).toEqual(['lit']);
    expect(kinds(script, '0x1F')).toEqual(['num']);
    expect(kinds(script, '1.5e3')).toEqual(['num']);
    expect(kinds(script, 'map')).toEqual(['fn']);
    expect(kinds(script, 'files')).toEqual(['prop']);
  });

  test('a slash inside a string is not a comment, and a comment runs to the end of its line', () => {
    expect(kinds(script, '"Find // not a comment in "')).toEqual(['str']);
    expect(kinds(script, '// halves')).toEqual(['com']);
  });

  test('a block comment spans lines and keeps its class on each', () => {
    expect(kinds(script, '/* many')).toEqual(['com']);
    expect(kinds(script, '   lines */')).toEqual(['com']);
  });

  test('regular expressions after "=" are told from division after a value', () => {
    expect(kinds(script, '/a\\/b[/]c/g')).toEqual(['re']);
    const line = highlight(script)[5]!;
    expect(line.filter(([k, t]) => k === 'pun' && t === '/')).toHaveLength(1);
  });

  test('template literals with substitutions and escaped backticks stay one string', () => {
    expect(kinds(script, '\x60tick ${found.length} \\\x60 still\x60')).toEqual(['str']);
  });

  test('the workflow globals come from the list the highlighter is given', () => {
    const hl = withGlobals(['consensus']);
    const classes = hl('consensus(x); agent(y); meta;')
      .flat()
      .filter(([k]) => k !== 'pun' && k !== 'ws');
    expect(classes).toEqual([
      ['dw', 'consensus'],
      ['id', 'x'],
      ['fn', 'agent'],
      ['id', 'y'],
      ['dw', 'meta'],
    ]);
  });

  test('unterminated strings and comments end at the line or the source, never loop', () => {
    const broken = "const a = 'open\nconst b = 1; /* never closed";
    const lines = highlight(broken);
    expect(lines.map((l) => l.map(([, t]) => t).join('')).join('\n')).toBe(broken);
    expect(lines[0]!.at(-1)).toEqual(['str', "'open"]);
    expect(lines[1]!.at(-1)).toEqual(['com', '/* never closed']);
  });
});
