/** How far polling sources have been recorded (written with the inbox rows, see InboxRepository). */
export interface EmailCheckpoint {
  uidValidity: number;
  /** The highest UID recorded in the inbox (0: none yet). */
  lastUid: number;
}

export interface CheckpointRepository {
  email(channelId: number, folder: string): Promise<EmailCheckpoint | undefined>;
  /** Every folder of a mailbox, by folder name. */
  emailFolders(
    channelId: number,
  ): Promise<(EmailCheckpoint & { channelId: number; folder: string; updatedAt: Date })[]>;
  /** A bot's next getUpdates offset. */
  telegramOffset(channelId: number): Promise<number | undefined>;
}
