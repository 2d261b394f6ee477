// Lint: typescript-eslint's type-aware recommended rules over the sources, tests and scripts.
// A few rules are off where the codebase has a deliberate, reviewed convention (noted below).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'captures/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Decoders index typed arrays and records after explicit bounds checks.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Unused bindings are errors, but a leading underscore marks an intentional one.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Control characters are what the sanitisers and the wire formats are about.
      'no-control-regex': 'off',
      // Templates print numbers and bigints from decoded fields on purpose.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      // Async methods that implement a promise-returning interface (sinks, inputs) need no await.
      '@typescript-eslint/require-await': 'off',
      // Open-ended name unions ('avc' | 'hevc' | … | string) document the known values on purpose.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
    },
  },
  {
    // node:test's test()/describe() return promises the runner tracks; awaiting them is not the idiom.
    files: ['test/**', 'test-interop/**'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      // Tests print decoded JSON values in assertion messages and poke at parsed JSON.
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Its fix drops casts that narrow spread results for tsc (test/rtmpt/tunnel.test.ts).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
);
