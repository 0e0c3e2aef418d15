/** Files that came with messages; the content is in the blob store, named by its SHA-256. */
export interface AttachmentRecord {
  id: number;
  messageId: number;
  filename: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the content; null when it was not kept. */
  sha256: string | null;
  /** Why the content was not kept (over the size limit, too many files). */
  skipped: string | null;
}

export interface AttachmentRepository {
  get(id: number): Promise<AttachmentRecord | undefined>;
  /**
   * Which of these blob names the database still refers to, so retention never removes a file in
   * use: an attachment row, or an inbox row's raw event (an email's .eml in `blob`, a web form's
   * uploads in `files[].sha256`; kept after the message is ingested, as a replay reads them
   * again). A new place that names a blob must be added here.
   */
  referenced(hashes: string[]): Promise<Set<string>>;
}
