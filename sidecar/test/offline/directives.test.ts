import { NO_DIRECTIVES, parseDirectives } from '../../src/offline/directives';
import { taskOf } from '../../src/offline/planner-answer';
import { filesIn, stripDirectives } from '../../src/offline/prompt-text';

describe('parseDirectives', () => {
  test('a prompt without directives has none', () => {
    expect(parseDirectives('just a prompt [with brackets]')).toBe(NO_DIRECTIVES);
  });

  test('reads each directive with its value', () => {
    expect(
      parseDirectives(
        'a [offline:fail] b [offline:sleep=120] [offline:text=hello world] [offline:json={"a":[1,{"b":"]"}]}] [offline:overloaded=2] [offline:ratelimit=1] [offline:drop=3] [offline:plan=throw]',
      ),
    ).toEqual({
      fail: 'Failure requested by [offline:fail]',
      sleepMs: 120,
      text: 'hello world',
      json: { value: { a: [1, { b: ']' }] } },
      overloaded: 2,
      rateLimited: 1,
      dropped: 3,
      brokenPlan: 'throw',
      tool: null,
    });
    expect(parseDirectives('[offline:json=[1,2]]').json).toEqual({ value: [1, 2] });
    expect(parseDirectives('x [offline:tool=read_file {"path":"big.txt","n":[1]}] y').tool).toEqual({
      name: 'read_file',
      input: { path: 'big.txt', n: [1] },
    });
    expect(parseDirectives('[offline:tool=list_files]').tool).toEqual({ name: 'list_files', input: {} });
    expect(parseDirectives('[offline:text=]').text).toBe('');
  });

  test.each([
    ['[offline:sleep=soon]', 'sleep'],
    ['[offline:sleep', 'Unterminated'],
    ['[offline:json={bad}]', 'not valid JSON'],
    ['[offline:tool=]', 'tool name'],
    ['[offline:tool=grep [1]]', 'JSON object'],
    ['[offline:tool=grep {"a":1}', 'Unterminated'],
    ['[offline:json={"a":1}', 'Unterminated'],
    ['[offline:plan=maybe]', 'plan'],
    ['[offline:nope]', 'Unknown offline directive'],
    ['[offline:failx]', 'Unknown offline directive'],
  ])('%s is refused (%s)', (text, message) => {
    expect(() => parseDirectives(text)).toThrow(message);
  });
});

describe('reading prompts', () => {
  test('stripDirectives removes every directive, JSON ones included', () => {
    expect(stripDirectives('do it [offline:sleep=5] now [offline:json={"x":[1]}] ok')).toBe('do it now ok');
  });

  test('filesIn finds paths and skips abbreviations, versions and URLs', () => {
    expect(
      filesIn('Check src/auth/login.ts, then ./README.md (e.g. the intro), v1.2 and https://example.com/a.html; also "pkg.json".'),
    ).toEqual(['src/auth/login.ts', './README.md', 'pkg.json']);
  });

  test('taskOf takes the task from the planner message, tags, or the whole text', () => {
    expect(taskOf('Task:\nAudit a.ts\nand b.ts\n\nInput (available to the script as args):\n{}')).toBe('Audit a.ts\nand b.ts');
    expect(taskOf('Please: <task>Do X</task> thanks')).toBe('Do X');
    expect(taskOf('  Just do it  ')).toBe('Just do it');
  });
});
