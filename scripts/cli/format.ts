/** Text for a terminal: columns read down, errors on one line, times to the second. */

/** Columns padded to their widest cell: counts are read down a column. */
export function table(rows: (string | number)[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const text = String(cell);
          return typeof cell === 'number'
            ? text.padStart(widths?.[i] ?? 0)
            : text.padEnd(widths?.[i] ?? 0);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** An error on one line and short enough for a terminal; the full text is on the dashboard. */
export function oneLine(text: string | null | undefined, max = 160): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat || '(no error recorded)';
}

export const when = (ms: number | undefined) =>
  ms ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
