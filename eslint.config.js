import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import parts from './eslint-rules/parts.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.pasarela/**', '.ci/**', 'coverage/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { pasarela: parts },
    rules: {
      // One public face per part, and dependencies one way, from any depth (eslint-rules/parts.js).
      'pasarela/part-boundaries': 'error',
    },
  },
);
