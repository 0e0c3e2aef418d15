/** The part of email-reply-parser 1.9 (CommonJS, untyped) that reply.ts uses. */
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
