-- Default lead stages (ARCHITECTURE.md: in progress / success / failure) and the REST intake channel.
INSERT OR IGNORE INTO `stages` (`code`, `name`, `sort`, `semantics`) VALUES
  ('NEW', 'New', 10, 'process'),
  ('IN_PROCESS', 'In progress', 20, 'process'),
  ('PROCESSED', 'Processed', 30, 'process'),
  ('CONVERTED', 'Converted', 40, 'success'),
  ('JUNK', 'Junk', 50, 'failure');
--> statement-breakpoint
INSERT OR IGNORE INTO `channels` (`id`, `kind`, `name`) VALUES (1, 'api', 'REST intake');
