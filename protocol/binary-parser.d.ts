// binary-parser 2.3 ships types, but its `exports` map has no "types" condition, so TypeScript's
// nodenext resolution cannot see them for the bare specifier. Point the bare specifier at them.
declare module 'binary-parser' {
  export { Parser } from 'binary-parser/dist/binary_parser.js'
}
