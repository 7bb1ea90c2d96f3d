// ESLint flat config. Besides the usual TypeScript hygiene, this file is the fence for the
// one-way layering of docs/architecture.md: cli → node → {transport, qos, capture} → protocol.
import tseslint from 'typescript-eslint'

const socketsAndApps = [
  { name: 'node:dgram', message: 'protocol/ is pure: no sockets.' },
  { name: 'node:net', message: 'protocol/ is pure: no sockets.' },
  { name: 'node:fs', message: 'protocol/ is pure: file I/O lives in src/capture.' },
  { name: 'node:fs/promises', message: 'protocol/ is pure: file I/O lives in src/capture.' },
  { name: 'node:timers', message: 'protocol/ is pure: no timers.' },
  { name: 'node:process', message: 'protocol/ is pure: no process.' },
  { name: 'dgram', message: 'protocol/ is pure: no sockets.' },
  { name: 'net', message: 'protocol/ is pure: no sockets.' },
  { name: 'fs', message: 'protocol/ is pure.' },
  { name: 'dgram-as-promised', message: 'protocol/ is pure: no sockets.' },
  { name: 'winston', message: 'protocol/ never logs; only src/log.ts imports winston.' },
  { name: 'commander', message: 'Only src/cli/ reads argv.' }
]

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/explicit-function-return-type': ['error', { allowExpressions: true, allowTypedFunctionExpressions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'prefer-const': 'error',
      'no-var': 'error'
    }
  },
  {
    files: ['protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: socketsAndApps,
        patterns: [{ group: ['**/src/**', '../src/*', '../../src/*'], message: 'protocol/ imports nothing from src/.' }]
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'protocol/ is pure: no process.' },
        { name: 'setTimeout', message: 'protocol/ is pure: no timers.' },
        { name: 'setInterval', message: 'protocol/ is pure: no timers.' },
        { name: 'console', message: 'protocol/ never logs.' }]
    }
  },
  {
    files: ['src/qos/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'node:dgram', message: 'qos/ is pure.' }, { name: 'node:net', message: 'qos/ is pure.' },
          { name: 'winston', message: 'Only src/log.ts imports winston.' }, { name: 'commander', message: 'Only src/cli/ reads argv.' }],
        patterns: [{ group: ['**/transport/**'], message: 'qos/ and transport/ never import each other; node/ wires them.' }]
      }]
    }
  },
  {
    files: ['src/transport/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'winston', message: 'Only src/log.ts imports winston.' }, { name: 'commander', message: 'Only src/cli/ reads argv.' }],
        patterns: [{ group: ['**/qos/**', '**/node/**', '**/cli/**', '**/capture/**'], message: 'transport/ imports only protocol/ and the src leaves.' }]
      }]
    }
  },
  {
    files: ['src/capture/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'winston', message: 'Only src/log.ts imports winston.' }, { name: 'commander', message: 'Only src/cli/ reads argv.' }],
        patterns: [{ group: ['**/node/**', '**/cli/**', '**/transport/**', '**/qos/**'], message: 'capture/ sits below node/ and cli/, beside transport/ and qos/ (node/ wires them).' }]
      }]
    }
  },
  {
    files: ['src/node/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'winston', message: 'Only src/log.ts imports winston.' }, { name: 'commander', message: 'Only src/cli/ reads argv.' }],
        patterns: [{ group: ['**/cli/**'], message: 'node/ sits below cli/.' }]
      }]
    }
  },
  {
    files: ['src/*.ts'],
    ignores: ['src/log.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'winston', message: 'Only src/log.ts imports winston.' }, { name: 'commander', message: 'Only src/cli/ reads argv.' }] }]
    }
  },
  {
    // Brief: functions of at most 120 lines in src/ and protocol/ (every line counted).
    files: ['src/**/*.ts', 'protocol/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 120, IIFEs: true }]
    }
  }
)
