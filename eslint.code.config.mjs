// ESLint for everything but the node package (nodes/, credentials/), which n8n's own
// community-node linter checks (`npm run lint` runs both): the sidecar, its isolate and page
// code, the scripts and every test.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'nodes/**',
      'credentials/**',
      'test-artifacts/**',
      'coverage/**',
      'gulpfile.js',
      'eslint.config.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-redeclare': ['error', { builtinGlobals: false }] },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
  {
    // The live page runs in the browser.
    files: ['sidecar/src/ui/page/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Isolate code sees only the ECMAScript globals and the script API.
    files: ['sidecar/src/sandbox/isolate/**/*.ts', 'sidecar/src/verification/isolate/**/*.ts'],
    languageOptions: { globals: {} },
  },
);
