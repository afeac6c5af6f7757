/** Fixed-width text tables printed a row at a time, so progress shows as the run goes. */

export interface Column {
  title: string;
  width: number;
  /** Text columns align left, numbers right. */
  align?: 'left' | 'right';
}

export class TextTable {
  readonly #columns: readonly Column[];
  readonly #write: (line: string) => void;

  constructor(columns: readonly Column[], write: (line: string) => void) {
    this.#columns = columns;
    this.#write = write;
  }

  header(): void {
    this.#write(this.#line(this.#columns.map((c) => c.title)));
    this.#write(this.#columns.map((c) => '-'.repeat(c.width)).join('  '));
  }

  row(cells: readonly string[]): void {
    this.#write(this.#line(cells));
  }

  #line(cells: readonly string[]): string {
    return this.#columns
      .map((column, i) => {
        const text = cells[i] ?? '';
        return column.align === 'left' ? text.padEnd(column.width) : text.padStart(column.width);
      })
      .join('  ')
      .trimEnd();
  }
}

/** A number with `digits` decimals, '-' for NaN or infinity. */
export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/** An integer with thin thousands grouping ("12 345"). */
export function whole(value: number): string {
  return Number.isFinite(value)
    ? Math.round(value).toLocaleString('en-US').replaceAll(',', ' ')
    : '-';
}
