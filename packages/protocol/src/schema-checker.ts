import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';

/** What validation needs of a schema: a yes/no and, for the error message, the first error. */
export interface SchemaChecker {
  Check(value: unknown): boolean;
  Errors(value: unknown): { First(): ValueError | undefined };
}

/**
 * Whether this realm may turn strings into code. TypeBox's compiler generates a checker
 * function (fast: the server validates every frame with it); a web page whose
 * Content-Security-Policy forbids eval, as Skjerm's does, cannot run that, so there the same
 * schemas are checked by TypeBox's interpreter instead (slower, and the browser checks only a
 * few frames a second).
 */
const mayGenerateCode: boolean = (() => {
  try {
    return new Function('return true')() === true;
  } catch {
    return false;
  }
})();

export function schemaChecker(schema: TSchema): SchemaChecker {
  return mayGenerateCode ? TypeCompiler.Compile(schema) : interpretedChecker(schema);
}

/** The checker a page without eval gets: the same schema, walked instead of compiled. */
export function interpretedChecker(schema: TSchema): SchemaChecker {
  return {
    Check: (value) => Value.Check(schema, value),
    Errors: (value) => Value.Errors(schema, value),
  };
}
