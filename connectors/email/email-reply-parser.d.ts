/**
 * The parts of email-reply-parser 1.9 (CommonJS, untyped) Leadwire uses: its patterns
 * (reply-fragments.ts reads with them) and its parser (which the test of reply-fragments.ts
 * compares with).
 */
declare module 'email-reply-parser' {
  namespace EmailReplyParser {
    interface Fragment {
      getContent(): string;
      isHidden(): boolean;
      isQuoted(): boolean;
      isSignature(): boolean;
    }

    interface Email {
      getFragments(): Fragment[];
      getVisibleText(): string;
    }
  }

  class EmailReplyParser {
    read(text: string): EmailReplyParser.Email;
  }

  export = EmailReplyParser;
}

declare module 'email-reply-parser/lib/regex.js' {
  /** The lines that open quoted history, and the lines that open a signature. */
  const patterns: { quoteHeadersRegex: RegExp[]; signatureRegex: RegExp[] };
  export = patterns;
}
