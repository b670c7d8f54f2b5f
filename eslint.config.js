// ESLint (flat config): JavaScript and TypeScript recommended rules, and the React hooks rules for the TUI.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', '.dist-*/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_`-prefixed parameters, destructured leftovers and caught errors are deliberately unused
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // matching control characters is the point where catalog strings are made safe to print
      'no-control-regex': 'off',
    },
  },
  // tests build hostile and malformed documents on purpose
  { files: ['test/**/*.{ts,tsx}'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['src/tui/**/*.{ts,tsx}', 'test/**/*.tsx', 'bench/**/*.tsx'], ...reactHooks.configs.flat.recommended },
);
