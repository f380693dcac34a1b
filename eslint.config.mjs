// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/', '.stack/', '.venv/', 'coverage/', 'models/**/*.py', 'eslint.config.mjs', 'jest.config.js', '**/*.cjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A dropped promise in a consumer is a lost message.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'as', objectLiteralTypeAssertions: 'never' }],
      // Nest modules and DI tokens are classes with only decorators.
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // Flags every options object passed to Nest and kafkajs, whose option types are classes
      // used as interfaces; the rule guards against a problem those libraries do not have.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Scripts and tests are terminal programs: they print to the console on purpose.
    files: ['scripts/**', 'load-tests/**', 'test/**', 'models/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The console's browser script: tsc (checkJs, DOM library) resolves its names, as it does for TypeScript.
    files: ['src/console/web/**/*.js'],
    rules: { 'no-undef': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'test/**'],
    rules: {
      // expect(...) matchers and Nest testing helpers are typed loosely.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
