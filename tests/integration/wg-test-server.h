/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The real wangge-server process on a loopback port, with a temporary data
 * directory, and HTTP/WebSocket helpers to talk to it. */
typedef struct
{
  GSubprocess *process;
  char        *data_dir;
  char        *config_path;   /* nullable */
  char        *base_url;      /* http://127.0.0.1:PORT */
  guint16      port;
  SoupSession *session;       /* sync HTTP */
  SoupSession *ws_session;    /* async WebSocket on the thread-default context */
  char        *token;         /* sent as a bearer token when set */
  gboolean     no_admin;      /* do not create and log in "test-admin" at start */
  /* A volume test (tens of thousands of events served): no leak check
   * under AddressSanitizer, whose full allocation stacks make each request
   * of the server over ten times slower; memory errors are still caught. */
  gboolean     no_leak_check;
  gboolean     admin_created;
  /* With WANGGE_TEST_DATABASE=postgresql: this server's own database in
   * the program's private cluster (--database at each start), so the
   * integration suites run on PostgreSQL too.  NULL: SQLite. */
  char        *database;
} WgTestServer;

#define WG_TEST_ADMIN "test-admin"
#define WG_TEST_ADMIN_PASSWORD "test-admin-password"

typedef struct
{
  guint               status;
  char               *content_type;
  SoupMessageHeaders *headers;
  GBytes             *body;
  JsonNode           *json;    /* NULL if the body is not JSON */
} WgTestResponse;

typedef struct
{
  SoupWebsocketConnection *conn;
  GQueue                   messages;   /* JsonNode */
  gboolean                 closed;
  gushort                  close_code;
} WgTestWebsocket;

WgTestServer    *wg_test_server_new            (const char         *config_text);
void             wg_test_server_start          (WgTestServer       *self,
                                                const char * const *extra_args);
int              wg_test_server_stop           (WgTestServer       *self);
/* SIGKILL (a crash or, with a write-buffering VFS, a power cut) and reap. */
void             wg_test_server_kill           (WgTestServer       *self);
void             wg_test_server_free           (WgTestServer       *self);
char            *wg_test_server_url            (WgTestServer       *self,
                                                const char         *path);

WgTestResponse  *wg_test_server_request        (WgTestServer       *self,
                                                const char         *method,
                                                const char         *path,
                                                const char         *content_type,
                                                const char         *body);
WgTestResponse  *wg_test_server_request_as     (WgTestServer       *self,
                                                const char         *token,
                                                const char         *method,
                                                const char         *path,
                                                const char         *content_type,
                                                const char         *body);
/* A binary body (uploads), and If-None-Match when given. */
WgTestResponse  *wg_test_server_request_bytes  (WgTestServer       *self,
                                                const char         *token,
                                                const char         *method,
                                                const char         *path,
                                                const char         *content_type,
                                                GBytes             *body,
                                                const char         *if_none_match);
/* POST /api/v1/session; asserts 200 and returns the token. */
char            *wg_test_server_login          (WgTestServer       *self,
                                                const char         *username,
                                                const char         *password);
/* wangge-server user add NAME --role ROLE [ARGS...] on the data directory. */
void             wg_test_server_add_user       (WgTestServer       *self,
                                                const char         *username,
                                                const char         *password,
                                                const char         *role,
                                                const char * const *extra_args);
/* POST /api/v1/commands {"id": @id (a new UUID when NULL), "type": @type,
 * "body": @body_json} as @token. */
WgTestResponse  *wg_test_server_command        (WgTestServer       *self,
                                                const char         *token,
                                                const char         *id,
                                                const char         *type,
                                                const char         *body_json);
gint64           wg_test_server_head           (WgTestServer       *self);
/* Reports a general incident at @location_json ({"lat": .., "lon": ..}) as
 * @token, asserts it is accepted and returns the grid the server placed it
 * in: how a test learns which demo grid a point lies in. */
char            *wg_test_server_grid_at        (WgTestServer       *self,
                                                const char         *token,
                                                const char         *location_json);
/* The grid worker account of @grid (@own) or of some other grid (!@own),
 * from GET /api/v1/reference. */
char            *wg_test_server_grid_worker    (WgTestServer       *self,
                                                const char         *grid,
                                                gboolean            own);
WgTestWebsocket *wg_test_server_websocket_as   (WgTestServer       *self,
                                                const char         *token,
                                                const char         *path,
                                                GError            **error);
WgTestResponse  *wg_test_server_get            (WgTestServer       *self,
                                                const char         *path);
WgTestResponse  *wg_test_server_post_json      (WgTestServer       *self,
                                                const char         *path,
                                                const char         *json);
void             wg_test_response_free         (WgTestResponse     *response);
void             wg_test_response_assert_problem (WgTestResponse   *response,
                                                guint               status,
                                                const char         *slug);
JsonObject      *wg_test_response_object       (WgTestResponse     *response);

WgTestWebsocket *wg_test_server_websocket      (WgTestServer       *self,
                                                const char         *path,
                                                GError            **error);
JsonNode        *wg_test_websocket_wait_type   (WgTestWebsocket    *ws,
                                                const char         *type,
                                                guint               timeout_ms);
void             wg_test_websocket_send        (WgTestWebsocket    *ws,
                                                const char         *text);
gboolean         wg_test_websocket_wait_closed (WgTestWebsocket    *ws,
                                                guint               timeout_ms);
void             wg_test_websocket_free        (WgTestWebsocket    *ws);

void             wg_test_iterate_for           (guint               ms);
gboolean         wg_test_iterate_until         (gboolean          (*done) (gpointer),
                                                gpointer            data,
                                                guint               timeout_ms);
gint64           wg_test_now_ms                (void);

/* Answers to requests sent at once (soup_session_send_and_read_async with
 * wg_test_answer_tally_cb and the tally as user data), by status. */
typedef struct
{
  guint answered;
  guint unauthorized;   /* 401 */
  guint throttled;      /* 429 */
  guint expected;       /* how many were sent */
} WgTestAnswerTally;

void             wg_test_answer_tally_cb       (GObject            *source,
                                                GAsyncResult       *result,
                                                gpointer            user_data);
/* For wg_test_iterate_until: every request sent has its answer. */
gboolean         wg_test_answer_tally_done     (gpointer            tally);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgTestServer, wg_test_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgTestResponse, wg_test_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgTestWebsocket, wg_test_websocket_free)

G_END_DECLS
