import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioPackages = [
  'bullmq',
  'ioredis',
  'drizzle-orm',
  'drizzle-orm/*',
  'better-sqlite3',
  'express',
  'telegraf',
  'imapflow',
  'pino',
  'node:fs',
  'node:net',
  'node:child_process',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'db/migrations/**', 'dist/**', 'dist.*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The console's own browser script.
    files: ['connectors/http/console/assets/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        [
          'document',
          'window',
          'navigator',
          'HTMLElement',
          'Element',
          'CSS',
          'fetch',
          'URLSearchParams',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // core/ is the pure domain: plain data in, plain data out, no I/O.
    // Process plumbing (config, logger, Redis, queues, lifecycle) lives in core/runtime/.
    files: ['core/**/*.ts'],
    ignores: ['core/runtime/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: ioPackages.map((group) => ({
            group: [group],
            message: 'core/ is pure: no I/O libraries (use core/runtime/ for plumbing)',
          })),
        },
      ],
    },
  },
);
