/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-attachments.c: attached files fetched, cached, added offline and uploaded, on loopback */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "tb-attachment-cache.h"
#include "tb-attachment-cache-private.h"
#include "tb-case-service.h"
#include "tb-demo.h"
#include "tb-store-sync.h"
#include "tb-sync-engine.h"
#include "tb-test-common.h"
#include "tb-test-server.h"

#define TODAY      "2026-11-27"

/* With an attachment cache of its own, as the window makes one. */
typedef TbTestClient Client;

typedef struct
{
  TbTestServer *ts;
  char         *dir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->ts = tb_test_server_new_demo (40, tb_day_from_iso (TODAY));
  f->dir = g_dir_make_tmp ("test-attachments-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  tb_test_server_free (f->ts);
  /* The cache's own removal, read-only copies and all. */
  g_assert_true (tb_attachment_cache_delete_dir (f->dir, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  g_free (f->dir);
}

/* ------------------------------------------------------------------------------------------ */
/* Clients                                                                                     */

static void
client_open (Client     *c,
             const char *server_url)
{
  tb_test_client_open (c, server_url, FALSE);
  c->cache = tb_attachment_cache_new (c->store, c->engine);
}

static Client *
client_new (Fixture    *f,
            const char *name)
{
  Client *c = tb_test_client_new (f->dir, name, f->ts->base, FALSE);

  c->cache = tb_attachment_cache_new (c->store, c->engine);
  return c;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, tb_test_client_free)

static gboolean
client_sync (Client  *c,
             GError **error)
{
  return tb_test_engine_sync (c->engine, NULL, error);
}

/* Signs in and syncs once; the case service acts as that user afterwards. */
static void
client_start (Client     *c,
              const char *login)
{
  tb_test_client_start (c, login, tb_day_from_iso (TODAY));
}

static GFile *
fetch (Client      *c,
       const char  *sha256,
       GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tb_attachment_cache_fetch_async (c->cache, sha256, NULL, tb_test_wait_cb, &result);
  return tb_attachment_cache_fetch_finish (c->cache, tb_test_wait_result (&result), error);
}

static gint64
store_int (Client     *c,
           const char *sql)
{
  return tb_test_file_int (c->path, sql);
}

/* How many rows of the server's @table have @column = @value. */
static gint64
server_count (Fixture    *f,
              const char *table,
              const char *column,
              const char *value)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM %s WHERE %s = '%s'", table,
                                          column, value);

  return tb_test_query_int (f->ts, sql);
}

static int
mode_of (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* A file of @size bytes in the fixture's folder, different for each @seed. */
static GFile *
make_file (Fixture    *f,
           const char *name,
           gsize       size,
           guint       seed)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *data = g_malloc (size + 1);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (char) ('a' + (i * 7 + seed) % 26);
  g_assert_true (g_file_set_contents (path, data, (gssize) size, &error));
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static char *
file_text (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

/* A complete business-licence application of the demo, its files replaced by @files. */
static JsonObject *
licence_form (JsonArray *files)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbDemo) demo = tb_demo_new (TB_TEST_DEMO_SEED, tb_day_from_iso (TODAY), &error);
  TbCaseRecord record;

  g_assert_no_error (error);
  for (guint i = 0; i < 1000 && tb_demo_next_case (demo, &record); i++)
    if (g_strcmp0 (record.service_id, "business-licence") == 0)
      {
        g_autoptr(JsonNode) node = json_from_string (record.form_json, &error);
        JsonObject *form;

        g_assert_no_error (error);
        form = json_object_ref (json_node_get_object (node));
        json_object_set_array_member (form, "attachments", json_array_ref (files));
        return form;
      }
  g_error ("the demo has no business licence case");
}

/* Registers a business licence at the counter with @files attached; its id. */
static char *
register_case (Client    *c,
               JsonArray *files)
{
  g_autoptr(JsonObject) form = licence_form (files);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  char *case_id;

  case_id = tb_case_service_create (c->service, "business-licence", "王芳", "company",
                                    "杭州云杉信息科技有限公司", form, &problems, &error);
  g_assert_no_error (error);
  g_assert_nonnull (case_id);
  return case_id;
}

static JsonArray *
files_of (JsonObject *first,
          ...)
{
  JsonArray *array = json_array_new ();
  va_list args;

  va_start (args, first);
  for (JsonObject *o = first; o != NULL; o = va_arg (args, JsonObject *))
    json_array_add_object_element (array, json_object_ref (o));
  va_end (args);
  return array;
}

/* Adds @source to the cache of @c: the file's form value. */
static JsonObject *
add_file (Client *c,
          GFile  *source)
{
  g_autoptr(GError) error = NULL;
  JsonObject *value = tb_attachment_cache_add_file (c->cache, source, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (value);
  return value;
}

/* Adds @source, registers a business licence attaching it and syncs: the file's form value;
 * the case's id in @case_id. */
static JsonObject *
send_case_with_file (Client  *c,
                     GFile   *source,
                     char   **case_id)
{
  JsonObject *value = add_file (c, source);
  g_autoptr(JsonArray) files = files_of (value, NULL);
  g_autoptr(GError) error = NULL;

  *case_id = register_case (c, files);
  g_assert_true (client_sync (c, &error));
  g_assert_no_error (error);
  return value;
}

static void
assert_fetch_fails (Client     *c,
                    const char *sha256,
                    int         code)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (fetch (c, sha256, &error));
  g_assert_error (error, TB_ATTACHMENT_ERROR, code);
}

/* On the first push of a sync: how many of the files were on the server by then. */
typedef struct
{
  Fixture     *f;
  const char  *sha256;
  gint64       on_server;
  guint        pushes;
  GCancellable *cancel;   /* cancelled at the push, if set */
} PushWatch;

static void
on_progress (TbSyncEngine *engine,
             const char   *phase,
             guint         done,
             guint         batch,
             PushWatch    *watch)
{
  if (!g_str_equal (phase, "push") || watch->pushes++ > 0)
    return;
  watch->on_server = server_count (watch->f, "attachments", "sha256", watch->sha256);
  if (watch->cancel != NULL)
    g_cancellable_cancel (watch->cancel);
}

static void
server_down (Fixture *f,
             char   **address)
{
  *address = g_strdup_printf ("127.0.0.1:%u", tb_server_get_port (f->ts->server));
  tb_server_disconnect (f->ts->server);
  g_assert_finalize_object (g_steal_pointer (&f->ts->server));
}

static void
server_up (Fixture    *f,
           const char *address)
{
  g_autoptr(GError) error = NULL;

  f->ts->server = tb_server_new (f->ts->db_path, &error);
  g_assert_no_error (error);
  g_assert_true (tb_server_listen (f->ts->server, address, NULL, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                       */

/* Added offline at the counter, uploaded before the case, fetched by who sees the case. */
static void
test_upload_and_fetch (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(Client) chenjing = client_new (f, "chenjing");
  g_autoptr(Client) liuyang = client_new (f, "liuyang");
  g_autoptr(GFile) source = make_file (f, "营业执照申请书.pdf", 3000, 1);
  g_autoptr(JsonObject) value = NULL;
  g_autoptr(JsonArray) files = NULL;
  g_autoptr(GFile) fetched = NULL;
  g_autoptr(GFile) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *cached_path = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *copy_path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *original = NULL;
  g_autofree char *dir = NULL;
  PushWatch watch = { f, NULL, -1, 0, NULL };
  const char *sha256;

  client_start (wangfang, "wangfang");
  /* A sync refers to no file: no folder. */
  dir = tb_attachment_cache_build_dir (wangfang->path);
  g_assert_cmpstr (tb_attachment_cache_get_dir (wangfang->cache), ==, dir);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));

  /* Added: in the cache, waiting, private. */
  value = add_file (wangfang, source);
  g_assert_cmpstr (json_object_get_string_member (value, "name"), ==, "营业执照申请书.pdf");
  g_assert_cmpint (json_object_get_int_member (value, "size"), ==, 3000);
  g_assert_cmpstr (json_object_get_string_member (value, "content_type"), ==, "application/pdf");
  sha256 = json_object_get_string_member (value, "sha256");
  g_assert_true (tb_attachment_is_sha256 (sha256));
  g_assert_true (tb_attachment_cache_is_pending (wangfang->cache, sha256));
  cached_path = g_build_filename (dir, "files", sha256, NULL);
  marker = g_build_filename (dir, "pending", sha256, NULL);
  g_assert_cmpint (mode_of (dir), ==, 0700);
  g_assert_cmpint (mode_of (cached_path), ==, 0600);
  g_assert_cmpint (mode_of (marker), ==, 0600);
  g_assert_cmpint (server_count (f, "attachments", "sha256", sha256), ==, 0);

  /* Opened before it is even sent: from the cache, read-only, under its name. */
  copy = tb_attachment_cache_make_read_only_copy (wangfang->cache, sha256, "../营业执照申请书.pdf",
                                                  &error);
  g_assert_no_error (error);
  copy_path = g_file_get_path (copy);
  g_assert_true (g_str_has_prefix (copy_path, dir));
  g_assert_true (g_str_has_suffix (copy_path, G_DIR_SEPARATOR_S "营业执照申请书.pdf"));
  g_assert_cmpint (mode_of (copy_path), ==, 0400);
  text = file_text (copy);
  original = file_text (source);
  g_assert_cmpstr (text, ==, original);

  /* Registered, then synced: the file goes first, the case after it. */
  files = files_of (value, NULL);
  case_id = register_case (wangfang, files);
  watch.sha256 = sha256;
  g_signal_connect (wangfang->engine, "progress", G_CALLBACK (on_progress), &watch);
  g_assert_true (client_sync (wangfang, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (watch.pushes, >=, 1);
  g_assert_cmpint (watch.on_server, ==, 1);
  g_assert_false (tb_attachment_cache_is_pending (wangfang->cache, sha256));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (cached_path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM outbox"), ==, 0);
  g_assert_cmpint (server_count (f, "case_attachments", "sha256", sha256), ==, 1);
  g_assert_cmpint (server_count (f, "attachment_uploads", "sha256", sha256), ==, 1);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM attachments WHERE sha256 = '%s'"
                                            " AND content_type = 'application/pdf'"
                                            " AND size = 3000", sha256);
    g_assert_cmpint (tb_test_query_int (f->ts, sql), ==, 1);
  }

  /* The team's supervisor sees the case, and so the file: fetched, checked, kept. */
  client_start (chenjing, "chenjing");
  g_assert_null (tb_attachment_cache_lookup (chenjing->cache, sha256));
  fetched = fetch (chenjing, sha256, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fetched);
  g_clear_pointer (&text, g_free);
  text = file_text (fetched);
  g_assert_cmpstr (text, ==, original);
  {
    g_autofree char *path = g_file_get_path (fetched);
    g_autofree char *their_dir = tb_attachment_cache_build_dir (chenjing->path);

    g_assert_true (g_str_has_prefix (path, their_dir));
    g_assert_cmpint (mode_of (path), ==, 0600);
    g_assert_cmpint (mode_of (their_dir), ==, 0700);
    g_assert_false (tb_attachment_cache_is_pending (chenjing->cache, sha256));
  }

  /* Someone of another team does not: as if there were no such file. */
  client_start (liuyang, "liuyang");
  assert_fetch_fails (liuyang, sha256, TB_ATTACHMENT_ERROR_NOT_FOUND);
  g_assert_null (tb_attachment_cache_lookup (liuyang->cache, sha256));

  /* The server goes down: what was fetched still opens; what was not says why. */
  {
    g_autofree char *address = NULL;
    g_autoptr(GFile) again = NULL;

    server_down (f, &address);
    again = fetch (chenjing, sha256, &error);
    g_assert_no_error (error);
    g_assert_true (g_file_equal (again, fetched));
    assert_fetch_fails (liuyang, sha256, TB_ATTACHMENT_ERROR_OFFLINE);
    server_up (f, address);
  }

  /* Without a session at all, only the cache. */
  {
    g_autoptr(TbAttachmentCache) local = tb_attachment_cache_new (chenjing->store, NULL);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GFile) found = NULL;
    char other[65];

    memset (other, 'a', 64);
    other[64] = '\0';
    tb_attachment_cache_fetch_async (local, sha256, NULL, tb_test_wait_cb, &result);
    found = tb_attachment_cache_fetch_finish (local, tb_test_wait_result (&result), &error);
    g_assert_no_error (error);
    g_assert_true (g_file_equal (found, fetched));
    g_clear_object (&result);
    tb_attachment_cache_fetch_async (local, other, NULL, tb_test_wait_cb, &result);
    g_assert_null (tb_attachment_cache_fetch_finish (local, tb_test_wait_result (&result),
                                                     &error));
    g_assert_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_SIGNED_OUT);
    g_clear_error (&error);
  }
}

/* The demo's cases attach real files, kept by the server it was seeded on: they open for
 * whoever sees the case, and only for them. */
static void
test_demo_files (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(Client) liuyang = client_new (f, "liuyang");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) files = NULL;
  g_autofree char *files_json = NULL;
  JsonArray *array;

  client_start (wangfang, "wangfang");
  files_json = tb_test_file_text (wangfang->path,
                                  "SELECT json_extract (form, '$.attachments') FROM cases"
                                  " WHERE service_id = 'business-licence'"
                                  " AND json_array_length (form, '$.attachments') > 1"
                                  " ORDER BY ref LIMIT 1");
  g_assert_nonnull (files_json);
  files = json_from_string (files_json, &error);
  g_assert_no_error (error);
  array = json_node_get_array (files);

  client_start (liuyang, "liuyang");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *value = json_array_get_object_element (array, i);
      const char *sha256 = json_object_get_string_member (value, "sha256");
      const char *type = json_object_get_string_member (value, "content_type");
      g_autoptr(GFile) file = fetch (wangfang, sha256, &error);
      g_autoptr(GFile) copy = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *digest = NULL;
      const char *magic;

      g_assert_no_error (error);
      g_assert_nonnull (file);
      bytes = g_file_load_bytes (file, NULL, NULL, &error);
      g_assert_no_error (error);
      digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
      g_assert_cmpstr (digest, ==, sha256);
      g_assert_cmpint (g_bytes_get_size (bytes), ==, json_object_get_int_member (value, "size"));
      magic = g_str_equal (type, "application/pdf") ? "%PDF-" : "\x89PNG";
      g_assert_cmpint (memcmp (g_bytes_get_data (bytes, NULL), magic, strlen (magic)), ==, 0);

      /* As the case view opens it: a read-only copy under its name. */
      copy = tb_attachment_cache_make_read_only_copy (wangfang->cache, sha256,
                                                      json_object_get_string_member (value,
                                                                                     "name"),
                                                      &error);
      g_assert_no_error (error);
      g_assert_nonnull (copy);

      /* The social team sees no business licence, so none of its files. */
      assert_fetch_fails (liuyang, sha256, TB_ATTACHMENT_ERROR_NOT_FOUND);
    }
}

/* What arrives under a name must be that file: a server that sends other bytes is refused. */
static void
test_mismatch (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(Client) chenjing = client_new (f, "chenjing");
  g_autoptr(GFile) source = make_file (f, "章程.pdf", 500, 2);
  g_autoptr(JsonObject) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) fetched = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *their_dir = NULL;
  g_autofree char *their_file = NULL;
  const char *sha256;

  client_start (wangfang, "wangfang");
  value = send_case_with_file (wangfang, source, &case_id);
  sha256 = json_object_get_string_member (value, "sha256");

  /* The server's copy damaged. */
  sql = g_strdup_printf ("UPDATE attachments SET bytes = CAST ('not the file' AS BLOB)"
                         " WHERE sha256 = '%s'", sha256);
  g_assert_cmpint (sqlite3_exec (tb_server_get_db (f->ts->server), sql, NULL, NULL, NULL), ==,
                   SQLITE_OK);

  client_start (chenjing, "chenjing");
  assert_fetch_fails (chenjing, sha256, TB_ATTACHMENT_ERROR_MISMATCH);
  their_dir = tb_attachment_cache_build_dir (chenjing->path);
  their_file = g_build_filename (their_dir, "files", sha256, NULL);
  g_assert_false (g_file_test (their_file, G_FILE_TEST_EXISTS));

  /* A copy damaged on this computer is not handed out either: fetched again, and refused
   * again, since the server's is damaged too. */
  {
    g_autofree char *files_dir = g_path_get_dirname (their_file);

    g_assert_cmpint (g_mkdir_with_parents (files_dir, 0700), ==, 0);
  }
  g_assert_true (g_file_set_contents (their_file, "damaged", -1, NULL));
  assert_fetch_fails (chenjing, sha256, TB_ATTACHMENT_ERROR_MISMATCH);
  g_assert_false (g_file_test (their_file, G_FILE_TEST_EXISTS));

  /* The uploader's own copy is intact. */
  fetched = fetch (wangfang, sha256, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fetched);

  /* A form value without a checksum names nothing to fetch. */
  assert_fetch_fails (chenjing, NULL, TB_ATTACHMENT_ERROR_NO_CHECKSUM);
  assert_fetch_fails (chenjing, "../../etc/passwd", TB_ATTACHMENT_ERROR_NO_CHECKSUM);
}

/* The session's access token expires: renewed once, as for a sync; when it cannot be, the
 * reason is the session, not the file. */
static void
test_expired_token (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(Client) chenjing = client_new (f, "chenjing");
  g_autoptr(GFile) source = make_file (f, "承诺书.pdf", 100, 8);
  g_autoptr(JsonObject) value = NULL;
  g_autoptr(GFile) fetched = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *case_id = NULL;
  const char *sha256;

  client_start (wangfang, "wangfang");
  value = send_case_with_file (wangfang, source, &case_id);
  sha256 = json_object_get_string_member (value, "sha256");

  tb_server_set_token_ttl (f->ts->server, 1, 3600);
  client_start (chenjing, "chenjing");
  tb_test_wait (2100);
  fetched = fetch (chenjing, sha256, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fetched);
  g_assert_true (tb_sync_engine_get_signed_in (chenjing->engine));

  tb_server_set_token_ttl (f->ts->server, 1, 1);
  g_assert_true (tb_test_client_sign_in (chenjing, "chenjing", &error));
  g_assert_no_error (error);
  g_assert_true (tb_attachment_cache_delete_dir (tb_attachment_cache_get_dir (chenjing->cache),
                                                 &error));
  g_assert_no_error (error);
  tb_test_wait (2100);
  assert_fetch_fails (chenjing, sha256, TB_ATTACHMENT_ERROR_SIGNED_OUT);
  g_assert_false (tb_sync_engine_get_signed_in (chenjing->engine));
}

/* Quit between the upload and the push, and between the upload and forgetting it: the case goes
 * once, the file once. */
static void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(GFile) first = make_file (f, "股东会决议.pdf", TB_ATTACHMENT_MAX_SIZE, 3);
  g_autoptr(GFile) second = make_file (f, "住所证明.jpg", 10, 4);
  g_autoptr(JsonObject) value1 = NULL;
  g_autoptr(JsonObject) value2 = NULL;
  g_autoptr(JsonArray) files = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *dir = NULL;
  PushWatch watch = { f, NULL, -1, 0, cancel };
  TbSyncSummary summary = { 0 };
  const char *sha1;
  const char *sha2;

  client_start (wangfang, "wangfang");
  /* The largest file the server takes. */
  value1 = add_file (wangfang, first);
  value2 = add_file (wangfang, second);
  g_assert_cmpstr (json_object_get_string_member (value2, "content_type"), ==, "image/jpeg");
  sha1 = json_object_get_string_member (value1, "sha256");
  sha2 = json_object_get_string_member (value2, "sha256");
  files = files_of (value1, value2, NULL);
  case_id = register_case (wangfang, files);

  /* Quit as the push goes out: the files are up, the case is not. */
  watch.sha256 = sha2;
  g_signal_connect (wangfang->engine, "progress", G_CALLBACK (on_progress), &watch);
  {
    g_autoptr(GAsyncResult) result = NULL;

    tb_sync_engine_sync_async (wangfang->engine, cancel, tb_test_wait_cb, &result);
    g_assert_false (tb_sync_engine_sync_finish (wangfang->engine, tb_test_wait_result (&result),
                                                NULL, &error));
  }
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (watch.on_server, ==, 1);
  g_assert_cmpint (server_count (f, "attachments", "sha256", sha1), ==, 1);
  g_assert_cmpint (server_count (f, "cases", "id", case_id), ==, 0);
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM outbox"), ==, 1);
  g_assert_false (tb_attachment_cache_is_pending (wangfang->cache, sha1));

  /* Restarted; and as if the first upload's answer had been lost, it is still waiting. */
  dir = g_strdup (tb_attachment_cache_get_dir (wangfang->cache));
  tb_test_client_close (wangfang);
  marker = g_build_filename (dir, "pending", sha1, NULL);
  g_assert_true (g_file_set_contents (marker, "{\"name\": \"股东会决议.pdf\","
                                              " \"content_type\": \"application/pdf\"}", -1,
                                      NULL));
  client_open (wangfang, f->ts->base);
  client_start (wangfang, "wangfang");
  g_assert_true (tb_test_engine_sync (wangfang->engine, &summary, &error));
  g_assert_no_error (error);

  /* Sent again under the same key: the same answer, nothing stored twice. */
  g_assert_false (tb_attachment_cache_is_pending (wangfang->cache, sha1));
  g_assert_cmpint (server_count (f, "cases", "id", case_id), ==, 1);
  g_assert_cmpint (server_count (f, "attachment_uploads", "sha256", sha1), ==, 1);
  g_assert_cmpint (server_count (f, "attachments", "sha256", sha2), ==, 1);
  g_assert_cmpint (server_count (f, "case_attachments", "case_id", case_id), ==, 2);
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM outbox"), ==, 0);
}

/* Offline from the start: added, registered, quit; the next session sends it all. */
static void
test_offline_queue (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(GFile) source = make_file (f, "身份证明.png", 2048, 5);
  g_autoptr(JsonObject) value = NULL;
  g_autoptr(JsonArray) files = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *address = NULL;
  const char *sha256;

  client_start (wangfang, "wangfang");

  /* The server cannot be reached: the counter works on, the file waits with the case. */
  server_down (f, &address);
  value = add_file (wangfang, source);
  g_assert_cmpstr (json_object_get_string_member (value, "content_type"), ==, "image/png");
  sha256 = json_object_get_string_member (value, "sha256");
  files = files_of (value, NULL);
  case_id = register_case (wangfang, files);
  g_assert_false (client_sync (wangfang, &error));
  g_assert_error (error, TB_SYNC_ERROR, TB_SYNC_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_cmpint (tb_sync_engine_get_status (wangfang->engine), ==, TB_SYNC_STATUS_OFFLINE);
  g_assert_true (tb_attachment_cache_is_pending (wangfang->cache, sha256));
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM outbox WHERE state = 0"), ==, 1);

  /* Quit, and start again once the server is back: the file, then the case. */
  tb_test_client_close (wangfang);
  server_up (f, address);
  client_open (wangfang, f->ts->base);
  g_assert_true (tb_attachment_cache_is_pending (wangfang->cache, sha256));
  client_start (wangfang, "wangfang");
  g_assert_false (tb_attachment_cache_is_pending (wangfang->cache, sha256));
  g_assert_cmpint (server_count (f, "cases", "id", case_id), ==, 1);
  g_assert_cmpint (server_count (f, "attachments", "sha256", sha256), ==, 1);
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM outbox"), ==, 0);
}

/* Too large, empty, unreadable: refused when added, with the reason. */
static void
test_add_refused (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(GFile) large = make_file (f, "large.pdf", TB_ATTACHMENT_MAX_SIZE + 1, 6);
  g_autoptr(GFile) empty = make_file (f, "empty.txt", 0, 7);
  g_autoptr(GFile) missing = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "missing.pdf", NULL);

  missing = g_file_new_for_path (path);
  g_assert_null (tb_attachment_cache_add_file (wangfang->cache, large, NULL, &error));
  g_assert_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "large.pdf"));
  g_clear_error (&error);
  g_assert_null (tb_attachment_cache_add_file (wangfang->cache, empty, NULL, &error));
  g_assert_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_null (tb_attachment_cache_add_file (wangfang->cache, missing, NULL, &error));
  g_assert_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.pdf"));
  g_clear_error (&error);
  /* Nothing kept of them. */
  g_assert_false (g_file_test (tb_attachment_cache_get_dir (wangfang->cache),
                               G_FILE_TEST_EXISTS));

  /* In a thread, as the dialog adds them. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    tb_attachment_cache_add_file_async (wangfang->cache, large, NULL, tb_test_wait_cb, &result);
    g_assert_null (tb_attachment_cache_add_file_finish (wangfang->cache,
                                                        tb_test_wait_result (&result), &error));
    g_assert_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_TOO_LARGE);
    g_clear_error (&error);
  }
}

/* A file put in the cache behind its back, as an earlier run would have left it. */
static char *
put_pending (Client     *c,
             const char *name,
             gsize       size,
             gboolean    with_bytes)
{
  g_autofree char *data = g_malloc0 (size);
  g_autofree char *path = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *marker_text = NULL;
  g_autofree char *files_dir = NULL;
  g_autofree char *pending_dir = NULL;
  char *sha256;

  sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, size);
  path = g_build_filename (tb_attachment_cache_get_dir (c->cache), "files", sha256, NULL);
  marker = g_build_filename (tb_attachment_cache_get_dir (c->cache), "pending", sha256, NULL);
  files_dir = g_path_get_dirname (path);
  pending_dir = g_path_get_dirname (marker);
  g_assert_cmpint (g_mkdir_with_parents (files_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (pending_dir, 0700), ==, 0);
  if (with_bytes)
    g_assert_true (g_file_set_contents (path, data, (gssize) size, NULL));
  marker_text = g_strdup_printf ("{\"name\": \"%s\"}", name);
  g_assert_true (g_file_set_contents (marker, marker_text, -1, NULL));
  return sha256;
}

static gboolean
in_cache (Client     *c,
          const char *sub,
          const char *sha256)
{
  g_autofree char *path = g_build_filename (tb_attachment_cache_get_dir (c->cache), sub, sha256,
                                            NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static JsonArray *
files_named (const char *name,
             const char *sha256)
{
  g_autoptr(JsonObject) value = json_object_new ();

  json_object_set_string_member (value, "name", name);
  json_object_set_string_member (value, "sha256", sha256);
  return files_of (value, NULL);
}

/* The one open conflict of a case. */
static TbConflict *
only_conflict (Client     *c,
               const char *case_id)
{
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;

  conflicts = tb_store_list_conflicts (c->store, case_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  return g_ptr_array_steal_index (conflicts, 0);
}

static gboolean
logged (Client     *c,
        const char *level,
        const char *text)
{
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GError) error = NULL;

  log = tb_store_list_sync_log (c->store, 100, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < log->len; i++)
    {
      TbSyncLogEntry *entry = g_ptr_array_index (log, i);

      if (g_str_equal (entry->level, level) && strstr (entry->message, text) != NULL)
        return TRUE;
    }
  return FALSE;
}

/*
 * A file the server refuses for good loses nothing and holds nothing up: the change that
 * attaches it is kept aside as refused, with the reason on its case, the file stays, and the
 * changes after it go. The user sends it again (refused again) or lets it go (the file goes).
 */
static void
test_upload_refused (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(GFile) small = make_file (f, "章程.pdf", 400, 9);
  g_autoptr(JsonObject) small_value = NULL;
  g_autoptr(JsonArray) big_files = NULL;
  g_autoptr(JsonArray) small_files = NULL;
  g_autoptr(TbConflict) conflict = NULL;
  g_autoptr(TbConflict) again = NULL;
  g_autoptr(TbCase) held = NULL;
  g_autoptr(JsonNode) problem = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *other_id = NULL;
  TbSyncSummary summary = { 0 };

  client_start (wangfang, "wangfang");

  /* Larger than the server takes, left by an earlier run; then a registration with it, and
   * one after it with a file that is fine. */
  sha256 = put_pending (wangfang, "巨大.bin", TB_ATTACHMENT_MAX_SIZE + 100, TRUE);
  big_files = files_named ("巨大.bin", sha256);
  case_id = register_case (wangfang, big_files);
  small_value = add_file (wangfang, small);
  small_files = files_of (small_value, NULL);
  other_id = register_case (wangfang, small_files);

  g_assert_true (tb_test_engine_sync (wangfang->engine, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.rejected, ==, 1);
  g_assert_cmpuint (summary.applied, ==, 1);

  /* The rest went, with no gap in the ids: the second registration is the server's first. */
  g_assert_cmpint (server_count (f, "cases", "id", other_id), ==, 1);
  g_assert_cmpint (server_count (f, "cases", "id", case_id), ==, 0);
  g_assert_cmpint (server_count (f, "attachments", "sha256", sha256), ==, 0);
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM outbox"), ==, 0);
  g_assert_cmpint (store_int (wangfang, "SELECT last_mutation_id FROM sync_state"), ==, 1);
  g_assert_cmpint (store_int (wangfang, "SELECT next_mutation_id FROM sync_state"), ==, 2);

  /* Kept aside as refused, with its reason; the case says so; the file stays. */
  conflict = only_conflict (wangfang, case_id);
  g_assert_true (conflict->rejected);
  g_assert_cmpstr (conflict->mutation_name, ==, "case.create");
  g_assert_nonnull (strstr (conflict->mutation_args_json, sha256));
  g_assert_nonnull (strstr (conflict->reason, "“巨大.bin”"));
  problem = json_from_string (conflict->problem_json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (problem), "code"), ==,
                   TB_ATTACHMENT_PROBLEM_REFUSED);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (problem), "status"), ==,
                   413);
  held = tb_store_get_case (wangfang->store, case_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tb_case_get_sync_state (held), ==, TB_SYNC_STATE_ERROR);
  g_assert_true (tb_attachment_cache_is_pending (wangfang->cache, sha256));
  g_assert_true (in_cache (wangfang, "files", sha256));
  g_assert_true (logged (wangfang, "warning", "巨大.bin"));

  /* Sent again: the server refuses the file again, and the change is kept again. */
  g_assert_true (tb_case_service_resolve_conflict (wangfang->service, conflict->id, TRUE,
                                                   &error));
  g_assert_no_error (error);
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM outbox"), ==, 1);
  g_assert_true (tb_test_engine_sync (wangfang->engine, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpint (server_count (f, "cases", "id", case_id), ==, 0);
  again = only_conflict (wangfang, case_id);
  g_assert_cmpint (again->id, !=, conflict->id);
  g_assert_cmpstr (again->mutation_args_json, ==, conflict->mutation_args_json);
  g_assert_true (in_cache (wangfang, "files", sha256));

  /* Let go: the registration goes, and the next sync forgets the file nothing names. */
  g_assert_true (tb_case_service_resolve_conflict (wangfang->service, again->id, FALSE,
                                                   &error));
  g_assert_no_error (error);
  g_clear_object (&held);
  held = tb_store_get_case (wangfang->store, case_id, &error);
  g_assert_null (held);
  g_clear_error (&error);
  g_assert_true (client_sync (wangfang, &error));
  g_assert_no_error (error);
  g_assert_false (tb_attachment_cache_is_pending (wangfang->cache, sha256));
  g_assert_false (in_cache (wangfang, "files", sha256));
}

/* A file gone from the cache before it was sent holds its change back the same way. */
static void
test_upload_gone (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(JsonArray) files = NULL;
  g_autoptr(TbConflict) conflict = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *case_id = NULL;

  client_start (wangfang, "wangfang");
  sha256 = put_pending (wangfang, "丢失.pdf", 300, FALSE);
  files = files_named ("丢失.pdf", sha256);
  case_id = register_case (wangfang, files);

  g_assert_true (client_sync (wangfang, &error));
  g_assert_no_error (error);
  conflict = only_conflict (wangfang, case_id);
  g_assert_true (conflict->rejected);
  g_assert_nonnull (strstr (conflict->reason, "“丢失.pdf”"));
  g_assert_false (tb_attachment_cache_is_pending (wangfang->cache, sha256));
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM outbox"), ==, 0);
}

/* A change naming another user's file, that this computer never had: the server refuses it,
 * and the desk says which file in the user's words. */
static void
test_foreign_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(Client) liuyang = client_new (f, "liuyang");
  g_autoptr(GFile) source = make_file (f, "别人的.pdf", 700, 11);
  g_autoptr(JsonObject) value = NULL;
  g_autoptr(JsonArray) files = NULL;
  g_autoptr(TbConflict) conflict = NULL;
  g_autoptr(JsonNode) problem = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *case_id = NULL;

  /* Uploaded by someone of the other team, with nothing of it shown to anyone else. */
  client_start (liuyang, "liuyang");
  value = add_file (liuyang, source);
  {
    g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GAsyncResult) result = NULL;

    g_ptr_array_add (hashes, g_strdup (json_object_get_string_member (value, "sha256")));
    _tb_attachment_cache_upload_async (liuyang->cache, hashes, NULL, tb_test_wait_cb, &result);
    g_assert_true (_tb_attachment_cache_upload_finish (liuyang->cache,
                                                       tb_test_wait_result (&result), NULL, NULL,
                                                       &error));
    g_assert_no_error (error);
  }

  /* Named by its checksum in a registration of Wang Fang's: refused by the server. */
  client_start (wangfang, "wangfang");
  files = files_named ("别人的.pdf", json_object_get_string_member (value, "sha256"));
  case_id = register_case (wangfang, files);
  g_assert_true (client_sync (wangfang, &error));
  g_assert_no_error (error);
  conflict = only_conflict (wangfang, case_id);
  g_assert_true (conflict->rejected);
  problem = json_from_string (conflict->problem_json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (problem), "code"), ==,
                   "attachment-not-uploaded");
  g_assert_nonnull (strstr (conflict->reason, "“别人的.pdf”"));
  assert_fetch_fails (wangfang, json_object_get_string_member (value, "sha256"),
                      TB_ATTACHMENT_ERROR_NOT_FOUND);
}

/* Files added and then left out of any change go at a sync after the run that added them;
 * those a change names, or this run added (a dialog may hold them), stay. */
static void
test_clean_pending (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(GFile) held = make_file (f, "刚添加.pdf", 200, 10);
  g_autoptr(JsonObject) held_value = NULL;
  g_autoptr(JsonArray) files = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *earlier = NULL;
  g_autofree char *named = NULL;
  g_autofree char *copy_dir = NULL;
  g_autofree char *address = NULL;
  g_autofree char *case_id = NULL;
  const char *held_sha;

  client_start (wangfang, "wangfang");
  earlier = put_pending (wangfang, "放弃的.pdf", 500, TRUE);
  named = put_pending (wangfang, "已登记.pdf", 600, TRUE);
  held_value = add_file (wangfang, held);
  held_sha = json_object_get_string_member (held_value, "sha256");
  {
    g_autoptr(GFile) copy = tb_attachment_cache_make_read_only_copy (wangfang->cache, earlier,
                                                                     "放弃的.pdf", &error);

    g_assert_no_error (error);
    copy_dir = g_file_get_path (copy);
  }

  /* Offline, a registration names one of them: nothing is cleaned by a failed sync. */
  files = files_named ("已登记.pdf", named);
  case_id = register_case (wangfang, files);
  server_down (f, &address);
  g_assert_false (client_sync (wangfang, &error));
  g_clear_error (&error);
  g_assert_true (tb_attachment_cache_is_pending (wangfang->cache, earlier));
  server_up (f, address);

  /* Back online: the named one is sent, the one nothing names goes, the one this run added
   * stays. */
  g_assert_true (client_sync (wangfang, &error));
  g_assert_no_error (error);
  g_assert_false (tb_attachment_cache_is_pending (wangfang->cache, named));
  g_assert_true (in_cache (wangfang, "files", named));
  g_assert_cmpint (server_count (f, "attachments", "sha256", named), ==, 1);
  g_assert_false (tb_attachment_cache_is_pending (wangfang->cache, earlier));
  g_assert_false (in_cache (wangfang, "files", earlier));
  g_assert_false (g_file_test (copy_dir, G_FILE_TEST_EXISTS));
  g_assert_true (tb_attachment_cache_is_pending (wangfang->cache, held_sha));
  g_assert_true (in_cache (wangfang, "files", held_sha));
}

/* ------------------------------------------------------------------------------------------ */
/* Large files                                                                                 */

/* The SHA-256 of a file's contents. */
static char *
file_sha256 (GFile *file)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  g_assert_true (g_file_load_contents (file, NULL, &contents, &length, NULL, &error));
  g_assert_no_error (error);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static gint64
server_size (Fixture    *f,
             const char *sha256)
{
  g_autofree char *sql = g_strdup_printf ("SELECT coalesce ((SELECT size FROM attachments"
                                          " WHERE sha256 = '%s' AND length (bytes) = size), -1)",
                                          sha256);

  return tb_test_query_int (f->ts, sql);
}

static gint64
server_cases (Fixture    *f,
              const char *case_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM cases WHERE id = '%s'",
                                          case_id);

  return tb_test_query_int (f->ts, sql);
}

/*
 * A scanned application of several megabytes, as the counter gets them: refused by a server set
 * to take less, its registration held aside with the file; sent again once the server takes it,
 * whole, and fetched back whole by the team's supervisor.
 */
static void
test_large_file (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(Client) chenjing = client_new (f, "chenjing");
  gsize size = 5 * 1024 * 1024;
  g_autoptr(GFile) source = make_file (f, "多页扫描件.pdf", size, 12);
  g_autoptr(JsonObject) value = NULL;
  g_autoptr(JsonArray) files = NULL;
  g_autoptr(TbConflict) conflict = NULL;
  g_autoptr(JsonNode) problem = NULL;
  g_autoptr(GFile) fetched = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *fetched_sum = NULL;
  TbSyncSummary summary = { 0 };
  const char *sha256;

  client_start (wangfang, "wangfang");
  value = tb_attachment_cache_add_file (wangfang->cache, source, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (value, "size"), ==, size);
  sha256 = json_object_get_string_member (value, "sha256");
  files = files_of (value, NULL);
  case_id = register_case (wangfang, files);

  /* A server that takes less: refused, kept aside, nothing lost. */
  tb_server_set_max_attachment_size (f->ts->server, 4 * 1024 * 1024);
  g_assert_true (tb_test_engine_sync (wangfang->engine, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.rejected, ==, 1);
  g_assert_cmpint (server_size (f, sha256), ==, -1);
  g_assert_cmpint (server_cases (f, case_id), ==, 0);
  conflict = only_conflict (wangfang, case_id);
  g_assert_true (conflict->rejected);
  g_assert_nonnull (strstr (conflict->reason, "“多页扫描件.pdf”"));
  /* Saying what the server takes, which is not what the desk does. */
  {
    g_autofree char *limit = g_format_size (4 * 1024 * 1024);
    g_autofree char *said = g_strdup_printf ("(%s)", limit);

    g_test_message ("refused: %s", conflict->reason);
    g_assert_nonnull (strstr (conflict->reason, said));
  }
  problem = json_from_string (conflict->problem_json, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (problem), "status"), ==,
                   413);
  g_assert_true (tb_attachment_cache_is_pending (wangfang->cache, sha256));
  g_assert_true (in_cache (wangfang, "files", sha256));

  /* Sent again once it takes the default: the file whole, then the registration. */
  tb_server_set_max_attachment_size (f->ts->server, TB_SERVER_DEFAULT_MAX_ATTACHMENT);
  g_assert_true (tb_case_service_resolve_conflict (wangfang->service, conflict->id, TRUE,
                                                   &error));
  g_assert_no_error (error);
  g_assert_true (tb_test_engine_sync (wangfang->engine, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.applied, ==, 1);
  g_assert_cmpint (server_size (f, sha256), ==, size);
  g_assert_cmpint (server_cases (f, case_id), ==, 1);
  g_assert_false (tb_attachment_cache_is_pending (wangfang->cache, sha256));
  g_assert_cmpint (store_int (wangfang, "SELECT count (*) FROM outbox"), ==, 0);

  /* Fetched by the supervisor: the same bytes. */
  client_start (chenjing, "chenjing");
  fetched = fetch (chenjing, sha256, &error);
  g_assert_no_error (error);
  fetched_sum = file_sha256 (fetched);
  g_assert_cmpstr (fetched_sum, ==, sha256);
}

/*
 * The largest file the desk takes is the largest the server takes: exactly that goes and comes
 * back whole. One byte more is refused at the counter; and by the server, for such a file in
 * the cache from elsewhere, with its registration held aside and the file kept.
 */
static void
test_size_limit (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Client) wangfang = client_new (f, "wangfang");
  g_autoptr(Client) chenjing = client_new (f, "chenjing");
  g_autoptr(GFile) largest = make_file (f, "最大的扫描件.pdf", TB_ATTACHMENT_MAX_SIZE, 13);
  g_autoptr(GFile) over = make_file (f, "超出的扫描件.pdf", TB_ATTACHMENT_MAX_SIZE + 1, 14);
  g_autoptr(JsonObject) value = NULL;
  g_autoptr(JsonArray) files = NULL;
  g_autoptr(JsonArray) over_files = NULL;
  g_autoptr(TbConflict) conflict = NULL;
  g_autoptr(JsonNode) problem = NULL;
  g_autoptr(GFile) fetched = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *over_id = NULL;
  g_autofree char *over_sha = NULL;
  g_autofree char *fetched_sum = NULL;
  TbSyncSummary summary = { 0 };
  const char *sha256;

  g_assert_cmpuint (TB_ATTACHMENT_MAX_SIZE, ==, TB_SERVER_DEFAULT_MAX_ATTACHMENT);
  client_start (wangfang, "wangfang");

  value = tb_attachment_cache_add_file (wangfang->cache, largest, NULL, &error);
  g_assert_no_error (error);
  sha256 = json_object_get_string_member (value, "sha256");
  g_assert_null (tb_attachment_cache_add_file (wangfang->cache, over, NULL, &error));
  g_assert_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_TOO_LARGE);
  g_clear_error (&error);
  over_sha = put_pending (wangfang, "超出的扫描件.pdf", TB_ATTACHMENT_MAX_SIZE + 1, TRUE);

  files = files_of (value, NULL);
  case_id = register_case (wangfang, files);
  over_files = files_named ("超出的扫描件.pdf", over_sha);
  over_id = register_case (wangfang, over_files);
  g_assert_true (tb_test_engine_sync (wangfang->engine, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.applied, ==, 1);
  g_assert_cmpuint (summary.rejected, ==, 1);

  g_assert_cmpint (server_size (f, sha256), ==, TB_ATTACHMENT_MAX_SIZE);
  g_assert_cmpint (server_cases (f, case_id), ==, 1);
  g_assert_cmpint (server_size (f, over_sha), ==, -1);
  g_assert_cmpint (server_cases (f, over_id), ==, 0);
  conflict = only_conflict (wangfang, over_id);
  g_assert_true (conflict->rejected);
  problem = json_from_string (conflict->problem_json, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (problem), "status"), ==,
                   413);
  g_assert_true (tb_attachment_cache_is_pending (wangfang->cache, over_sha));
  g_assert_true (in_cache (wangfang, "files", over_sha));

  client_start (chenjing, "chenjing");
  fetched = fetch (chenjing, sha256, &error);
  g_assert_no_error (error);
  fetched_sum = file_sha256 (fetched);
  g_assert_cmpstr (fetched_sum, ==, sha256);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/attachments/upload-and-fetch", test_upload_and_fetch);
  ADD ("/attachments/demo-files", test_demo_files);
  ADD ("/attachments/mismatch", test_mismatch);
  ADD ("/attachments/expired-token", test_expired_token);
  ADD ("/attachments/restart", test_restart);
  ADD ("/attachments/offline-queue", test_offline_queue);
  ADD ("/attachments/add-refused", test_add_refused);
  ADD ("/attachments/upload-refused", test_upload_refused);
  ADD ("/attachments/upload-gone", test_upload_gone);
  ADD ("/attachments/clean-pending", test_clean_pending);
  ADD ("/attachments/foreign-file", test_foreign_file);
  ADD ("/attachments/large-file", test_large_file);
  ADD ("/attachments/size-limit", test_size_limit);

  return g_test_run ();
}
