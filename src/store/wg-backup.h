/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Backup and restore of a server's data directory: every database (the
 * journal, accounts and audit, positions, attachments, and any later one:
 * every *.db), the attachment files by their content names, and the
 * exercises (exercises/: each one's record, journal and track).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WG_BACKUP_ERROR (wg_backup_error_quark ())

typedef enum {
  WG_BACKUP_ERROR_IO,
  WG_BACKUP_ERROR_DATABASE,
  WG_BACKUP_ERROR_EXISTS,       /* the destination is there already */
  WG_BACKUP_ERROR_INVALID,      /* not a backup, or a damaged one */
} WgBackupError;

/* The name of the file that marks a finished backup (a key file). */
#define WG_BACKUP_MANIFEST "wangge-backup.ini"

typedef struct
{
  gint64 journal_head;    /* the last seq in the copy */
  guint  databases;
  guint  files;           /* attachment files */
  guint  exercises;       /* exercise records (their databases count above) */
  gint64 bytes;
} WgBackupSummary;

GQuark   wg_backup_error_quark (void);

/* Copies @data_dir into the new directory @dest while a server may run and
 * write: each database in one step (VACUUM INTO, a snapshot that sees every
 * committed transaction; a stepped online backup would restart on each
 * write), the journal first, so that the attachments and accounts copied
 * after it know of everything it refers to.  The copy appears under @dest
 * only when complete and durable. */
gboolean wg_backup_create  (const char       *data_dir,
                            const char       *dest,
                            WgBackupSummary  *summary,
                            GError          **error);
/* Checks a backup without changing it: the manifest, PRAGMA
 * integrity_check of every database, a gap-free journal seq, and every
 * attachment file present with the content its name says.  The error names
 * every problem found, one per line. */
gboolean wg_backup_check   (const char       *backup_dir,
                            WgBackupSummary  *summary,
                            GError          **error);
/* Checks @backup_dir, then puts its copy in place in @data_dir, which no
 * server may be using (the caller holds its lock).  Files there already
 * are moved aside into @data_dir/before-restore-<UTC time>, never deleted.
 * The restored journal gets a new id (@new_journal_id), so that consoles
 * holding the old one drop their caches and resynchronise. */
gboolean wg_backup_restore (const char       *backup_dir,
                            const char       *data_dir,
                            char            **new_journal_id,
                            GError          **error);

/* Before a newer server migrates the journal of @data_dir: when its schema
 * is older than this program's, a backup into
 * @data_dir/pre-upgrade-<old version>-<UTC time> (@backup_out, else NULL:
 * nothing to migrate). */
gboolean wg_backup_before_upgrade (const char  *data_dir,
                                   char       **backup_out,
                                   GError     **error);

G_END_DECLS
