/**
 * A small JavaScript highlighter for workflow scripts: enough to tell code from comments,
 * strings and the workflow globals at a glance; not a parser. dw.highlight(source) returns
 * lines of [class, text] tokens whose texts concatenate back to the source line.
 */
export const HIGHLIGHT_JS = String.raw`
(function () {
  var BACKTICK = '\x60';
  var words = function (s) { var o = Object.create(null); s.split(' ').forEach(function (w) { o[w] = true; }); return o; };
  var KEYWORDS = words('async await break case catch class const continue debugger default delete do else export extends ' +
    'finally for function if import in instanceof let new of return static super switch this throw try typeof var void while with yield');
  var LITERALS = words('true false null undefined NaN Infinity');
  // The bundle sets dw.SCRIPT_GLOBALS from the sandbox's own list (assets.ts); this is the fallback.
  var GLOBALS = words((dw.SCRIPT_GLOBALS || ['agent', 'parallel', 'pipeline', 'phase', 'log', 'args', 'budget']).concat(['meta']).join(' '));
  // After these a slash starts a regular expression, not a division.
  var BEFORE_REGEX_KW = words('return typeof instanceof in of new delete void throw case do else yield await');
  var IDENT = /[A-Za-z_$][\w$]*/y;
  var NUMBER = /(?:0[xX][\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)n?/y;
  var SPACE = /\s+/y;

  function match(re, src, i) {
    re.lastIndex = i;
    var m = re.exec(src);
    return m ? m[0] : null;
  }

  function regexAllowed(prev) {
    if (!prev) return true;
    if (prev[0] === 'pun') return ')]}'.indexOf(prev[1]) < 0;
    if (prev[0] === 'kw') return !!BEFORE_REGEX_KW[prev[1]];
    return false;
  }

  /** End (exclusive) of a quoted string starting at i; stops at an unescaped newline. */
  function quoted(src, i) {
    var q = src[i];
    var j = i + 1;
    while (j < src.length && src[j] !== q && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
    return src[j] === q ? j + 1 : Math.min(j, src.length);
  }

  /** End of a template literal starting at i, skipping over its substitutions. */
  function template(src, i) {
    var j = i + 1;
    while (j < src.length && src[j] !== BACKTICK) {
      if (src[j] === '\\') { j += 2; continue; }
      if (src[j] === '$' && src[j + 1] === '{') {
        var depth = 1;
        j += 2;
        while (j < src.length && depth > 0) {
          if (src[j] === '{') depth++;
          else if (src[j] === '}') depth--;
          j++;
        }
        continue;
      }
      j++;
    }
    return Math.min(j + 1, src.length);
  }

  /** End of a regular expression literal at i, or -1 when the line ends first. */
  function regex(src, i) {
    var j = i + 1;
    var inClass = false;
    while (j < src.length) {
      var c = src[j];
      if (c === '\n') return -1;
      if (c === '\\') { j += 2; continue; }
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) break;
      j++;
    }
    if (j >= src.length) return -1;
    j++;
    while (j < src.length && /[a-z]/.test(src[j])) j++;
    return j;
  }

  function tokenize(src) {
    var out = [];
    var prev = null;
    var i = 0;
    var push = function (type, text) {
      out.push([type, text]);
      if (type !== 'ws' && type !== 'com') prev = [type, text];
    };
    while (i < src.length) {
      var c = src[i];
      var next = src[i + 1];
      var end;
      var text;
      if (c === '/' && next === '/') {
        end = src.indexOf('\n', i);
        if (end < 0) end = src.length;
        push('com', src.slice(i, end));
      } else if (c === '/' && next === '*') {
        end = src.indexOf('*/', i + 2);
        end = end < 0 ? src.length : end + 2;
        push('com', src.slice(i, end));
      } else if (c === '"' || c === "'") {
        end = quoted(src, i);
        push('str', src.slice(i, end));
      } else if (c === BACKTICK) {
        end = template(src, i);
        push('str', src.slice(i, end));
      } else if (c === '/' && regexAllowed(prev) && (end = regex(src, i)) > 0) {
        push('re', src.slice(i, end));
      } else if ((text = match(SPACE, src, i))) {
        end = i + text.length;
        push('ws', text);
      } else if (/[\d]/.test(c) || (c === '.' && /\d/.test(next || '')) ) {
        text = match(NUMBER, src, i) || c;
        end = i + text.length;
        push('num', text);
      } else if ((text = match(IDENT, src, i))) {
        end = i + text.length;
        var afterDot = !!prev && prev[0] === 'pun' && prev[1] === '.';
        var rest = src.slice(end, end + 40);
        var type = 'id';
        if (afterDot) type = /^\s*\(/.test(rest) ? 'fn' : 'prop';
        else if (KEYWORDS[text]) type = 'kw';
        else if (LITERALS[text]) type = 'lit';
        else if (GLOBALS[text]) type = 'dw';
        else if (/^\s*\(/.test(rest)) type = 'fn';
        push(type, text);
      } else {
        end = i + 1;
        push('pun', c);
      }
      i = end;
    }
    return out;
  }

  dw.highlight = function (src) {
    var lines = [[]];
    tokenize(String(src)).forEach(function (t) {
      var parts = t[1].split('\n');
      for (var k = 0; k < parts.length; k++) {
        if (k > 0) lines.push([]);
        if (parts[k] !== '') lines[lines.length - 1].push([t[0], parts[k]]);
      }
    });
    return lines;
  };
})();
`;
