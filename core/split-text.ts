/**
 * A reply longer than a messenger takes in one message (Telegram and WhatsApp: 4,096 characters)
 * goes out in parts, cut at a paragraph, a line or a word where possible, never inside an emoji.
 */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const cut = [
      window.lastIndexOf('\n\n'),
      window.lastIndexOf('\n'),
      window.lastIndexOf(' '),
    ].find((at) => at > max / 2);
    let end = cut ?? max;
    // Never between the two halves of a surrogate pair (an emoji would arrive broken).
    const before = rest.charCodeAt(end - 1);
    if (before >= 0xd800 && before <= 0xdbff) end -= 1;
    const part = rest.slice(0, end).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(end).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}
