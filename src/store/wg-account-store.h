/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define WG_ACCOUNT_STORE_ERROR (wg_account_store_error_quark ())

typedef enum {
  WG_ACCOUNT_STORE_ERROR_NOT_FOUND,
  WG_ACCOUNT_STORE_ERROR_EXISTS,
  WG_ACCOUNT_STORE_ERROR_INVALID_TOKEN,  /* unknown, expired or revoked */
  WG_ACCOUNT_STORE_ERROR_DISABLED,
  WG_ACCOUNT_STORE_ERROR_DATABASE,
} WgAccountStoreError;

GQuark wg_account_store_error_quark (void);

typedef struct
{
  char     *username;
  char     *role;          /* a role slug of protocol.md: admin, duty_leader, ... */
  char     *password_hash;
  char     *display_name;  /* as people know them, e.g. 张伟 */
  char     *grid;          /* grid worker: the grid code it works in */
  char     *department;    /* department account: the department code */
  char     *unit;          /* unit account: the unit it acts for */
  gboolean  disabled;
} WgAccount;

WgAccount *wg_account_copy (const WgAccount *account);
void       wg_account_free (WgAccount       *account);

typedef struct
{
  gint64  id;
  gint64  ts_ms;
  char   *actor;      /* user name, or NULL before login */
  char   *address;    /* the client's address */
  char   *action;     /* "login", "logout", "command:incident.report", ... */
  char   *command_id; /* the command's id, when the action is a command */
  int     status;     /* the HTTP status answered */
  char   *result;     /* "ok" or the problem's code */
} WgAuditEntry;

void wg_audit_entry_free (WgAuditEntry *entry);

typedef struct _WgAccountStore WgAccountStore;

WgAccountStore *wg_account_store_open           (const char       *path,
                                                 GError          **error);
/* The same for a connection one thread at a time uses, never two at once
 * (the command audit's thread): SQLite locks nothing for it. */
WgAccountStore *wg_account_store_open_unshared  (const char       *path,
                                                 GError          **error);
void            wg_account_store_close          (WgAccountStore   *self);
/* The file beside the database whose eight bytes every committed change
 * of an account (add, put, password, disable, enable: each ends the
 * account's tokens or changes what they act as) rewrites in place with
 * random ones: a server holding checked tokens in memory reads them to
 * learn of changes made by other processes. */
#define WG_ACCOUNT_STORE_STAMP_SUFFIX "-changed"
const char     *wg_account_store_get_stamp_path (WgAccountStore   *self);
/* A connection for the command audit alone (wg-audit-writer.c):
 * its commits reach the disk at the next WAL checkpoint, without an fsync
 * each (synchronous=NORMAL).  A power cut may lose its last rows, never
 * corrupts the file; the commands themselves are in the journal, durably,
 * before anyone is answered. */
gboolean        wg_account_store_relax_durability (WgAccountStore *self,
                                                   GError        **error);

gboolean        wg_account_store_add            (WgAccountStore   *self,
                                                 GPtrArray        *accounts,
                                                 GError          **error);
gboolean        wg_account_store_put            (WgAccountStore   *self,
                                                 GPtrArray        *accounts,
                                                 GError          **error);
WgAccount      *wg_account_store_lookup         (WgAccountStore   *self,
                                                 const char       *username,
                                                 GError          **error);
GPtrArray      *wg_account_store_list           (WgAccountStore   *self,
                                                 GError          **error);
gboolean        wg_account_store_set_password   (WgAccountStore   *self,
                                                 const char       *username,
                                                 const char       *password_hash,
                                                 GError          **error);
gboolean        wg_account_store_set_disabled   (WgAccountStore   *self,
                                                 const char       *username,
                                                 gboolean          disabled,
                                                 GError          **error);

char           *wg_account_store_create_token   (WgAccountStore   *self,
                                                 const char       *username,
                                                 gint64            now_ms,
                                                 gint64            lifetime_ms,
                                                 gint64           *expires_ms,
                                                 GError          **error);
WgAccount      *wg_account_store_check_token    (WgAccountStore   *self,
                                                 const char       *token,
                                                 gint64            now_ms,
                                                 gint64            lifetime_ms,
                                                 gint64           *expires_ms,
                                                 GError          **error);
WgAccount      *wg_account_store_check_token_until (WgAccountStore *self,
                                                    const char     *token,
                                                    gint64          now_ms,
                                                    gint64          lifetime_ms,
                                                    gint64         *expires_ms,
                                                    gint64         *settled_until_ms,
                                                    GError        **error);
gboolean        wg_account_store_revoke_token   (WgAccountStore   *self,
                                                 const char       *token,
                                                 GError          **error);

gboolean        wg_account_store_audit          (WgAccountStore   *self,
                                                 const WgAuditEntry *entry,
                                                 GError          **error);
/* Several rows in one transaction (one fsync): a group commit's audit. */
gboolean        wg_account_store_audit_many     (WgAccountStore   *self,
                                                 GPtrArray        *entries,
                                                 GError          **error);
GPtrArray      *wg_account_store_read_audit     (WgAccountStore   *self,
                                                 gint64            after_id,
                                                 guint             limit,
                                                 GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgAccount, wg_account_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgAuditEntry, wg_audit_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgAccountStore, wg_account_store_close)

G_END_DECLS
