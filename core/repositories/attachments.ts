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
}
