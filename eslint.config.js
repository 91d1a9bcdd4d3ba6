import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
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
    plugins: { pasarela: parts, 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': undefined,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      // One public face per part, and dependencies one way, from any depth (eslint-rules/parts.js).
      'pasarela/part-boundaries': 'error',
      // A module cycle makes load order matter and hides a missing split: none in src/ (type-only
      // imports do not count; they vanish at run time).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
);
