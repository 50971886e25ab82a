/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-attachment-cache.c: attached files on this computer: fetched, verified, waiting to upload */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "tb-attachment-cache.h"
#include "tb-attachment-cache-private.h"
#include "tb-json-private.h"
#include "tb-store-private.h"
#include "tb-store-sync.h"
#include "tb-sync-engine-private.h"

/*
 * One folder per account, beside its store and removed with it at sign-out (the files are
 * citizens' documents; the folder is 0700 and every file in it 0600 or 0400):
 *
 *   files/<sha256>         the bytes of a file, named by their SHA-256 and checked against it
 *   pending/<sha256>       a file added on this computer and not yet on the server:
 *                          {"name", "content_type"}, until the engine has uploaded it
 *   open/<sha256>/<name>   read-only copies under their own names, for other applications
 *
 * Files are content-addressed, so a copy once checked is good for ever, offline too, and the
 * engine's instance and the window's never disagree about a folder: every file is written
 * whole under another name and renamed into place.
 */

struct _TbAttachmentCache
{
  GObject       parent_instance;

  TbStore      *store;
  TbSyncEngine *engine;   /* weak: the engine owns a cache of its own */
  char         *dir;
};

G_DEFINE_FINAL_TYPE (TbAttachmentCache, tb_attachment_cache, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  PROP_ENGINE,
  PROP_DIR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_QUARK (tb-attachment-error-quark, tb_attachment_error)

/* The files added by this process: a dialog may hold one that no change names yet, so they
 * stay until a later run (see _tb_attachment_cache_clean_pending()). */
G_LOCK_DEFINE_STATIC (added_here);
static GHashTable *added_here;

#define DIR_MODE        0700
#define FILE_MODE       0600
#define READ_ONLY_MODE  0400

#define CHECK_BUFFER_SIZE (256 * 1024)

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                       */

/**
 * tb_attachment_is_sha256:
 * @text: (nullable): a string
 *
 * Returns: whether @text is a SHA-256 as the server names files: 64 lower-case hex digits
 */
gboolean
tb_attachment_is_sha256 (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

/**
 * tb_attachment_cache_build_dir:
 * @store_path: the file of an account's store
 *
 * Returns: (transfer full): the attachment folder of that account, beside its store
 */
char *
tb_attachment_cache_build_dir (const char *store_path)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (store_path != NULL, NULL);

  if (g_str_has_suffix (store_path, ".db"))
    base = g_strndup (store_path, strlen (store_path) - 3);
  else
    base = g_strdup (store_path);
  return g_strconcat (base, "-attachments", NULL);
}

static gboolean
delete_tree (const char  *path,
             GError     **error)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    {
      if (errno == ENOENT)
        return TRUE;
      goto failed;
    }

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, error);
      const char *name;

      if (dir == NULL)
        return FALSE;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!delete_tree (child, error))
            return FALSE;
        }
      if (g_rmdir (path) != 0)
        goto failed;
      return TRUE;
    }

  if (g_unlink (path) == 0)
    return TRUE;

failed:
  {
    int saved = errno;

    g_set_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_IO,
                 _("Could not remove %s: %s"), path, g_strerror (saved));
  }
  return FALSE;
}

/**
 * tb_attachment_cache_delete_dir:
 * @dir: an attachment folder (tb_attachment_cache_build_dir())
 * @error: return location for a #TB_ATTACHMENT_ERROR
 *
 * Removes the folder and everything in it, files waiting to be uploaded too: for signing out,
 * when the store goes.
 *
 * Returns: %TRUE if the folder is gone (or never was)
 */
gboolean
tb_attachment_cache_delete_dir (const char  *dir,
                                GError     **error)
{
  g_return_val_if_fail (dir != NULL, FALSE);

  return delete_tree (dir, error);
}

static gboolean
ensure_dir (const char  *path,
            GError     **error)
{
  /* Made 0700 and kept so: a folder left wider by someone else is narrowed. */
  if (g_mkdir_with_parents (path, DIR_MODE) != 0 || g_chmod (path, DIR_MODE) != 0)
    {
      int saved = errno;

      g_set_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_IO,
                   _("Could not create the folder %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static char *
sub_path (TbAttachmentCache *self,
          const char        *sub,
          const char        *sha256)
{
  return g_build_filename (self->dir, sub, sha256, NULL);
}

/* Writes a whole file under another name and renames it into place, with @mode. */
static gboolean
write_file (const char    *path,
            gconstpointer  data,
            gsize          length,
            int            mode,
            GError       **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) local = NULL;

  if (!ensure_dir (dir, error))
    return FALSE;
  if (!g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, mode,
                                 &local))
    {
      g_set_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_IO,
                   _("Could not save the file in %s: %s"), dir, local->message);
      return FALSE;
    }
  return TRUE;
}

/* The checked bytes of files/<sha256>, or NULL; a damaged copy is removed. */
static GBytes *
read_checked (TbAttachmentCache *self,
              const char        *sha256)
{
  g_autofree char *path = sub_path (self, "files", sha256);
  g_autofree char *contents = NULL;
  g_autofree char *digest = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return NULL;

  digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  if (g_strcmp0 (digest, sha256) != 0)
    {
      g_debug ("Attachment %s damaged on disk: removed", sha256);
      g_unlink (path);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

/* Whether files/<sha256> holds the bytes its name says, read a piece at a time rather than all
 * at once (a scanned application may be tens of megabytes); a damaged copy is removed. FALSE
 * with @error set only if @cancellable was cancelled. */
static gboolean
check_file (TbAttachmentCache  *self,
            const char         *sha256,
            GCancellable       *cancellable,
            GError            **error)
{
  g_autofree char *path = sub_path (self, "files", sha256);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buffer = g_malloc (CHECK_BUFFER_SIZE);
  gssize n;

  stream = g_file_read (file, cancellable, NULL);
  if (stream != NULL)
    while ((n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, CHECK_BUFFER_SIZE,
                                     cancellable, NULL)) > 0)
      g_checksum_update (checksum, buffer, n);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (stream == NULL || n < 0)
    return FALSE;

  if (g_strcmp0 (g_checksum_get_string (checksum), sha256) != 0)
    {
      g_debug ("Attachment %s damaged on disk: removed", sha256);
      g_unlink (path);
      return FALSE;
    }
  return TRUE;
}

/* A name for a file in the open/ folder: the last part of @name, not hidden, not too long. */
static char *
safe_file_name (const char *name)
{
  GString *out = g_string_new (NULL);
  const char *start = name;

  if (name != NULL && g_utf8_validate (name, -1, NULL))
    {
      for (const char *p = name; *p != '\0'; p++)
        if (*p == '/' || *p == '\\')
          start = p + 1;
      for (const char *p = start; *p != '\0' && out->len < 200; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          g_string_append_unichar (out, g_unichar_iscntrl (c) ? '_' : c);
        }
    }

  g_strstrip (out->str);
  while (out->str[0] == '.')
    g_string_erase (out, 0, 1);
  out->len = strlen (out->str);
  if (out->len == 0)
    g_string_assign (out, "attachment");
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Looking up                                                                                  */

/**
 * tb_attachment_cache_lookup:
 * @self: a cache
 * @sha256: a file's SHA-256
 *
 * Returns: (transfer full) (nullable): the file on this computer, or %NULL if it is not
 *   (tb_attachment_cache_fetch_async() checks it, and fetches what is missing)
 */
GFile *
tb_attachment_cache_lookup (TbAttachmentCache *self,
                            const char        *sha256)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (TB_IS_ATTACHMENT_CACHE (self), NULL);

  if (!tb_attachment_is_sha256 (sha256))
    return NULL;
  path = sub_path (self, "files", sha256);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_file_new_for_path (path);
}

/**
 * tb_attachment_cache_is_pending:
 * @self: a cache
 * @sha256: a file's SHA-256
 *
 * Returns: whether the file was added on this computer and is not yet on the server
 */
gboolean
tb_attachment_cache_is_pending (TbAttachmentCache *self,
                                const char        *sha256)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (TB_IS_ATTACHMENT_CACHE (self), FALSE);

  if (!tb_attachment_is_sha256 (sha256))
    return FALSE;
  path = sub_path (self, "pending", sha256);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* ------------------------------------------------------------------------------------------ */
/* Adding files                                                                                */

/**
 * tb_attachment_cache_add_file:
 * @self: a cache
 * @file: a file to attach
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #TB_ATTACHMENT_ERROR
 *
 * Copies @file into the cache as waiting to be uploaded: the sync engine sends it before the
 * first change that refers to it. Works offline.
 *
 * Returns: (transfer full) (nullable): the form's value for the file: `{name, size, sha256,
 *   content_type}`; %NULL with @error set if it cannot be read, is empty or too large
 */
JsonObject *
tb_attachment_cache_add_file (TbAttachmentCache  *self,
                              GFile              *file,
                              GCancellable       *cancellable,
                              GError            **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) marker = NULL;
  g_autofree char *parse_name = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *guessed = NULL;
  g_autofree char *mime = NULL;
  g_autofree char *marker_text = NULL;
  g_autofree char *path = NULL;
  const char *name;
  const char *content_type;
  JsonObject *object;
  gsize length = 0;

  g_return_val_if_fail (TB_IS_ATTACHMENT_CACHE (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  parse_name = g_file_get_parse_name (file);
  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE,
                            G_FILE_QUERY_INFO_NONE, cancellable, &local);
  if (info == NULL)
    goto read_failed;

  name = g_file_info_get_display_name (info);
  if (g_file_info_get_size (info) > TB_ATTACHMENT_MAX_SIZE)
    goto too_large;

  if (!g_file_load_contents (file, cancellable, &contents, &length, NULL, &local))
    goto read_failed;
  /* It may have grown since. */
  if (length > TB_ATTACHMENT_MAX_SIZE)
    goto too_large;
  if (length == 0)
    {
      g_set_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_EMPTY,
                   _("“%s” is empty."), name);
      return NULL;
    }

  content_type = g_file_info_get_content_type (info);
  if (content_type == NULL || g_content_type_is_unknown (content_type))
    content_type = guessed = g_content_type_guess (name, (const guchar *) contents, length,
                                                   NULL);
  mime = g_content_type_get_mime_type (content_type);
  if (mime == NULL)
    mime = g_strdup ("application/octet-stream");

  sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  path = sub_path (self, "files", sha256);
  if (!write_file (path, contents, length, FILE_MODE, error))
    return NULL;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "content_type");
  json_builder_add_string_value (builder, mime);
  json_builder_end_object (builder);
  marker = json_builder_get_root (builder);
  marker_text = json_to_string (marker, FALSE);
  g_free (path);
  path = sub_path (self, "pending", sha256);
  if (!write_file (path, marker_text, strlen (marker_text), FILE_MODE, error))
    return NULL;

  G_LOCK (added_here);
  if (added_here == NULL)
    added_here = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (added_here, g_strdup (sha256));
  G_UNLOCK (added_here);

  object = json_object_new ();
  json_object_set_string_member (object, "name", name);
  json_object_set_int_member (object, "size", (gint64) length);
  json_object_set_string_member (object, "sha256", sha256);
  json_object_set_string_member (object, "content_type", mime);
  return object;

read_failed:
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&local));
  else
    g_set_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_IO,
                 _("Could not read “%s”: %s"), parse_name, local->message);
  return NULL;

too_large:
  {
    g_autofree char *limit = g_format_size (TB_ATTACHMENT_MAX_SIZE);

    g_set_error (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_TOO_LARGE,
                 _("“%s” is larger than %s, the most the central service takes."), name, limit);
  }
  return NULL;
}

static void
add_file_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;
  JsonObject *object;

  object = tb_attachment_cache_add_file (source, task_data, cancellable, &error);
  if (object == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, object, (GDestroyNotify) json_object_unref);
}

/**
 * tb_attachment_cache_add_file_async:
 * @self: a cache
 * @file: a file to attach
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * As tb_attachment_cache_add_file(), in a thread: the file may be on a slow disk or share.
 */
void
tb_attachment_cache_add_file_async (TbAttachmentCache   *self,
                                    GFile               *file,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TB_IS_ATTACHMENT_CACHE (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tb_attachment_cache_add_file_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, add_file_thread);
}

/**
 * tb_attachment_cache_add_file_finish:
 * @self: a cache
 * @result: the result
 * @error: return location for a #TB_ATTACHMENT_ERROR
 *
 * Returns: (transfer full) (nullable): as tb_attachment_cache_add_file()
 */
JsonObject *
tb_attachment_cache_add_file_finish (TbAttachmentCache  *self,
                                     GAsyncResult       *result,
                                     GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------------------------ */
/* Fetching                                                                                    */

typedef struct
{
  char   *sha256;
  GBytes *bytes;    /* received, to be kept */
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_free (fetch->sha256);
  g_clear_pointer (&fetch->bytes, g_bytes_unref);
  g_free (fetch);
}

static void
lookup_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  TbAttachmentCache *self = source;
  Fetch *fetch = task_data;
  gboolean found = check_file (self, fetch->sha256, NULL, NULL);

  g_task_return_pointer (task, found ? tb_attachment_cache_lookup (self, fetch->sha256) : NULL,
                         g_object_unref);
}

static void
keep_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TbAttachmentCache *self = source;
  Fetch *fetch = task_data;
  g_autofree char *path = sub_path (self, "files", fetch->sha256);
  GError *error = NULL;
  gsize length;
  gconstpointer data = g_bytes_get_data (fetch->bytes, &length);

  if (!write_file (path, data, length, FILE_MODE, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_file_new_for_path (path), g_object_unref);
}

static void
kept_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GFile *file = g_task_propagate_pointer (G_TASK (result), &error);

  if (file == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, file, g_object_unref);
}

static GError *
fetch_error (const GError *cause,
             guint         status)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (cause);
  if (status == SOUP_STATUS_NOT_FOUND)
    return g_error_new_literal (TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_NOT_FOUND,
                                _("The server has no such file, or does not share it with "
                                  "you."));
  if (status == SOUP_STATUS_FORBIDDEN)
    return g_error_new_literal (TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_FORBIDDEN,
                                _("The server does not let you fetch this file."));
  if (g_error_matches (cause, TB_SYNC_ERROR, TB_SYNC_ERROR_OFFLINE))
    return g_error_new_literal (TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_OFFLINE,
                                _("Not on this computer yet, and the server cannot be "
                                  "reached."));
  if (g_error_matches (cause, TB_SYNC_ERROR, TB_SYNC_ERROR_SIGNED_OUT))
    return g_error_new_literal (TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_SIGNED_OUT,
                                _("Not on this computer yet; sign in to fetch it."));
  return g_error_new_literal (TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_FAILED, cause->message);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbAttachmentCache *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *digest = NULL;
  GCancellable *cancellable;
  GTask *keep;
  guint status = 0;

  bytes = _tb_sync_engine_send_finish (TB_SYNC_ENGINE (source), result, &status, NULL, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, fetch_error (error, status));
      return;
    }

  /* The name is the checksum: anything else is not the file the form names. */
  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  if (g_strcmp0 (digest, fetch->sha256) != 0)
    {
      g_task_return_new_error (task, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_MISMATCH, "%s",
                               _("The file received is damaged (its checksum differs); it "
                                 "was not kept."));
      return;
    }

  fetch->bytes = g_steal_pointer (&bytes);
  cancellable = g_task_get_cancellable (task);
  keep = g_task_new (self, cancellable, kept_cb, g_steal_pointer (&task));
  g_task_set_task_data (keep, fetch, NULL);
  g_task_run_in_thread (keep, keep_thread);
  g_object_unref (keep);
}

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbAttachmentCache *self = TB_ATTACHMENT_CACHE (source);
  Fetch *fetch = g_task_get_task_data (task);
  g_autofree char *path = NULL;
  GCancellable *cancellable;
  GError *error = NULL;
  GFile *file;

  file = g_task_propagate_pointer (G_TASK (result), &error);
  if (file != NULL)
    {
      g_task_return_pointer (task, file, g_object_unref);
      return;
    }
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (self->engine == NULL)
    {
      g_task_return_new_error (task, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_SIGNED_OUT, "%s",
                               _("Not on this computer, and not connected to the server."));
      return;
    }

  path = g_strconcat ("/api/v1/attachments/", fetch->sha256, NULL);
  cancellable = g_task_get_cancellable (task);
  _tb_sync_engine_send_async (self->engine, "GET", path, NULL, NULL, NULL, cancellable,
                              fetched_cb, g_steal_pointer (&task));
}

/**
 * tb_attachment_cache_fetch_async:
 * @self: a cache
 * @sha256: the file's SHA-256, as its form value says
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Gets a file onto this computer: the copy in the cache if there is one (offline too), else
 * from the central service through the engine's session. What arrives is kept only if its
 * SHA-256 is @sha256.
 */
void
tb_attachment_cache_fetch_async (TbAttachmentCache   *self,
                                 const char          *sha256,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GTask *lookup;
  Fetch *fetch;

  g_return_if_fail (TB_IS_ATTACHMENT_CACHE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tb_attachment_cache_fetch_async);
  if (!tb_attachment_is_sha256 (sha256))
    {
      g_task_return_new_error (task, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_NO_CHECKSUM, "%s",
                               _("The form does not say which file it is (it has no "
                                 "checksum)."));
      return;
    }

  fetch = g_new0 (Fetch, 1);
  fetch->sha256 = g_strdup (sha256);
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);

  lookup = g_task_new (self, cancellable, looked_up_cb, g_steal_pointer (&task));
  g_task_set_task_data (lookup, fetch, NULL);
  g_task_run_in_thread (lookup, lookup_thread);
  g_object_unref (lookup);
}

/**
 * tb_attachment_cache_fetch_finish:
 * @self: a cache
 * @result: the result
 * @error: return location for a #TB_ATTACHMENT_ERROR or %G_IO_ERROR_CANCELLED
 *
 * Returns: (transfer full) (nullable): the file in the cache, checked (do not change it: copy
 *   it, or see tb_attachment_cache_make_read_only_copy()); %NULL with @error set
 */
GFile *
tb_attachment_cache_fetch_finish (TbAttachmentCache  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * tb_attachment_cache_make_read_only_copy:
 * @self: a cache
 * @sha256: a file in the cache
 * @name: (nullable): the file's name in the form
 * @error: return location for a #TB_ATTACHMENT_ERROR
 *
 * Copies a cached file under its own name, read-only (0400), for another application to open:
 * what it changes can never become the case's file.
 *
 * Returns: (transfer full) (nullable): the copy, or %NULL with @error set
 */
GFile *
tb_attachment_cache_make_read_only_copy (TbAttachmentCache  *self,
                                         const char         *sha256,
                                         const char         *name,
                                         GError            **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *safe = NULL;
  g_autofree char *path = NULL;
  gconstpointer data;
  gsize length;

  g_return_val_if_fail (TB_IS_ATTACHMENT_CACHE (self), NULL);

  if (!tb_attachment_is_sha256 (sha256) || (bytes = read_checked (self, sha256)) == NULL)
    {
      g_set_error_literal (error, TB_ATTACHMENT_ERROR, TB_ATTACHMENT_ERROR_IO,
                           _("The file is no longer on this computer."));
      return NULL;
    }

  safe = safe_file_name (name);
  path = g_build_filename (self->dir, "open", sha256, safe, NULL);
  data = g_bytes_get_data (bytes, &length);
  if (!write_file (path, data, length, READ_ONLY_MODE, error))
    return NULL;
  return g_file_new_for_path (path);
}

/* ------------------------------------------------------------------------------------------ */
/* Uploading (for the sync engine)                                                            */

typedef struct
{
  GHashTable *seen;     /* the checksums of @hashes, pointing into the JSON nodes */
  GPtrArray  *hashes;
} Referred;

/* Adds a "sha256" member of an attachment value to the referred files, once. */
static void
add_referred (const char *sha256,
              gpointer    user_data)
{
  Referred *referred = user_data;

  if (tb_attachment_is_sha256 (sha256) && g_hash_table_add (referred->seen, (char *) sha256))
    g_ptr_array_add (referred->hashes, g_strdup (sha256));
}

/*
 * The files waiting to be uploaded that the outbox @items (TbOutboxItem) refer to, in the
 * order they are referred to.
 *
 * Returns: (transfer full) (element-type utf8): their SHA-256s
 */
GPtrArray *
_tb_attachment_cache_find_pending (TbAttachmentCache *self,
                                   GPtrArray         *items)
{
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *pending = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  Referred referred = { seen, hashes };

  g_return_val_if_fail (TB_IS_ATTACHMENT_CACHE (self), pending);

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      TbOutboxItem *item = g_ptr_array_index (items, i);
      JsonNode *node;

      /* Most changes are decisions and comments: only forms name files. */
      if (item->args_json == NULL || strstr (item->args_json, "\"sha256\"") == NULL)
        continue;
      node = json_from_string (item->args_json, NULL);
      if (node == NULL)
        continue;
      g_ptr_array_add (nodes, node);
      _tb_json_foreach_string_member (node, "sha256", add_referred, &referred);
    }

  for (guint i = 0; i < hashes->len; i++)
    if (tb_attachment_cache_is_pending (self, g_ptr_array_index (hashes, i)))
      g_ptr_array_add (pending, g_strdup (g_ptr_array_index (hashes, i)));

  return pending;
}

typedef struct
{
  GPtrArray *hashes;
  guint      next;
  guint      uploaded;
  guint      rejected;    /* changes that name a file that cannot be sent */
  char      *sha256;      /* the one being sent */
  char      *name;
  char      *content_type;
} Upload;

static void
upload_free (Upload *upload)
{
  g_ptr_array_unref (upload->hashes);
  g_free (upload->sha256);
  g_free (upload->name);
  g_free (upload->content_type);
  g_free (upload);
}

static void upload_next (GTask *task);

static void
log_warning (TbAttachmentCache *self,
             const char        *message)
{
  g_autoptr(GError) error = NULL;

  if (!tb_store_add_sync_log (self->store, "warning", message, &error))
    g_debug ("Sync log not written: %s", error->message);
}

/*
 * The file cannot be sent as it is: the changes waiting to send it are kept as refused, with
 * @reason, under the case's conflicts, for the user to send again or let go; nothing of them
 * is dropped, and the rest of the queue goes on. The file stays in the cache (a change sent
 * again tries it again) unless @gone.
 */
static gboolean
hold_back (TbAttachmentCache  *self,
           Upload             *upload,
           guint               status,
           const char         *reason,
           gboolean            gone,
           GError            **error)
{
  g_autoptr(JsonObject) problem = json_object_new ();
  g_autofree char *line = NULL;
  JsonArray *files = json_array_new ();
  guint rejected = 0;

  json_object_set_string_member (problem, "title", _("The file was not accepted"));
  if (status > 0)
    json_object_set_int_member (problem, "status", status);
  json_object_set_string_member (problem, "detail", reason);
  json_object_set_string_member (problem, "code", TB_ATTACHMENT_PROBLEM_REFUSED);
  json_array_add_string_element (files, upload->sha256);
  json_object_set_array_member (problem, "attachments", files);

  if (!_tb_store_outbox_reject_unsent (self->store, upload->sha256, problem, &rejected, error))
    return FALSE;
  upload->rejected += rejected;

  if (gone)
    {
      g_autofree char *marker = sub_path (self, "pending", upload->sha256);

      g_unlink (marker);
    }

  /* None held back: what names it was sent before, and the server judges it as it is. */
  if (rejected == 0)
    {
      log_warning (self, reason);
      return TRUE;
    }
  line = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%s %u change that refers to it is kept under Drafts & "
                                       "conflicts.",
                                       "%s %u changes that refer to it are kept under Drafts & "
                                       "conflicts.", rejected), reason, rejected);
  log_warning (self, line);
  return TRUE;
}

/* Whether a refusal is for good: retrying the same bytes would be refused again. */
static gboolean
is_final_refusal (guint status)
{
  return status >= 400 && status < 500 && status != SOUP_STATUS_UNAUTHORIZED
         && status != SOUP_STATUS_REQUEST_TIMEOUT && status != 429;
}

static void
upload_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  TbAttachmentCache *self = g_task_get_source_object (task);
  Upload *upload = g_task_get_task_data (task);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonObject) problem = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *marker = NULL;
  GError *error = NULL;
  const char *stored = NULL;
  guint status = 0;

  answer = _tb_sync_engine_send_finish (TB_SYNC_ENGINE (source), result, &status, &problem,
                                        &error);
  if (answer == NULL)
    {
      if (is_final_refusal (status))
        {
          g_autofree char *reason = NULL;
          GError *store_error = NULL;
          gint64 max_size = problem != NULL
                            ? json_object_get_int_member_with_default (problem, "max_size", 0)
                            : 0;

          /* The server's limit may be another than the desk's: the user needs the size that
           * would go. */
          if (status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE && max_size > 0)
            {
              g_autofree char *limit = g_format_size (max_size);

              reason = g_strdup_printf (_("The server refused the file “%s”: it is larger than "
                                          "the server takes (%s). Remove it, or attach a "
                                          "smaller copy."), upload->name, limit);
            }
          else if (status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE)
            reason = g_strdup_printf (_("The server refused the file “%s”: it is larger than "
                                        "the server takes. Remove it, or attach a smaller "
                                        "copy."), upload->name);
          else
            reason = g_strdup_printf (_("The server refused the file “%s” (%s)."),
                                      upload->name, error->message);
          g_error_free (error);
          if (!hold_back (self, upload, status, reason, FALSE, &store_error))
            {
              g_task_return_error (task, store_error);
              g_object_unref (task);
              return;
            }
          upload_next (task);
          return;
        }
      /* Offline, signed out, busy: the batch waits, as a push would. */
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
                                  g_bytes_get_size (answer), NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    stored = json_object_get_string_member_with_default (
      json_node_get_object (json_parser_get_root (parser)), "sha256", NULL);
  if (g_strcmp0 (stored, upload->sha256) != 0)
    {
      g_task_return_new_error (task, TB_SYNC_ERROR, TB_SYNC_ERROR_PROTOCOL,
                               _("The server’s answer is not valid: %s."), "sha256");
      g_object_unref (task);
      return;
    }

  marker = sub_path (self, "pending", upload->sha256);
  if (g_unlink (marker) != 0 && errno != ENOENT)
    g_debug ("Upload marker %s not removed: %s", marker, g_strerror (errno));
  upload->uploaded++;
  upload_next (task);
}

static void
check_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;

  if (check_file (source, task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, FALSE);
}

/* The file to send is checked: sends it, or holds back what names it if it is gone. */
static void
checked_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  TbAttachmentCache *self = TB_ATTACHMENT_CACHE (source);
  Upload *upload = g_task_get_task_data (task);
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *reason = NULL;

      if (error != NULL)
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      reason = g_strdup_printf (_("The file “%s” added on this computer is gone or damaged. "
                                  "Attach it again."), upload->name);
      if (!hold_back (self, upload, 0, reason, TRUE, &error))
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      upload_next (task);
      return;
    }

  if (self->engine == NULL)
    {
      g_task_return_error (task, g_error_new_literal (TB_SYNC_ERROR, TB_SYNC_ERROR_SIGNED_OUT,
                                                      _("Sign in to send and receive changes; "
                                                        "your work is kept.")));
      g_object_unref (task);
      return;
    }

  /* Sent from the disk as it is read, one file at a time. The checksum is the key: sending the
   * same file again is answered as the first time. */
  path = sub_path (self, "files", upload->sha256);
  file = g_file_new_for_path (path);
  _tb_sync_engine_send_async (self->engine, "POST", "/api/v1/attachments", file,
                              upload->content_type, upload->sha256,
                              g_task_get_cancellable (task), upload_cb, task);
}

/* Sends the next file of the list; holds the reference on @task until it returns. */
static void
upload_next (GTask *task)
{
  TbAttachmentCache *self = g_task_get_source_object (task);
  Upload *upload = g_task_get_task_data (task);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *marker = NULL;
  JsonObject *object = NULL;
  GTask *check;

  if (upload->next >= upload->hashes->len)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  g_free (upload->sha256);
  upload->sha256 = g_strdup (g_ptr_array_index (upload->hashes, upload->next++));
  marker = sub_path (self, "pending", upload->sha256);

  /* Sent meanwhile by another sync, perhaps. */
  if (!json_parser_load_from_file (parser, marker, NULL))
    {
      upload_next (task);
      return;
    }
  if (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    object = json_node_get_object (json_parser_get_root (parser));
  g_free (upload->name);
  upload->name = g_strdup (object != NULL ? json_object_get_string_member_with_default (
                                              object, "name", upload->sha256)
                                          : upload->sha256);
  g_free (upload->content_type);
  upload->content_type = g_strdup (object != NULL ? json_object_get_string_member_with_default (
                                                      object, "content_type", NULL)
                                                  : NULL);

  /* Checked in a thread: reading a large file would hold up the window. */
  check = g_task_new (self, g_task_get_cancellable (task), checked_cb, task);
  g_task_set_source_tag (check, upload_next);
  g_task_set_task_data (check, g_strdup (upload->sha256), g_free);
  g_task_run_in_thread (check, check_thread);
  g_object_unref (check);
}

/*
 * Uploads the files @hashes (from _tb_attachment_cache_find_pending()), one after the other.
 * A file the server refuses for good (or that is gone from the cache) holds back the unsent
 * changes that name it: they leave the outbox as refused, kept under the case's conflicts with
 * the reason, and a line goes to the sync log; the file stays. Anything else that fails
 * (offline, signed out, busy) stops the upload with the engine's error.
 */
void
_tb_attachment_cache_upload_async (TbAttachmentCache   *self,
                                   GPtrArray           *hashes,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  Upload *upload;

  g_return_if_fail (TB_IS_ATTACHMENT_CACHE (self));
  g_return_if_fail (hashes != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _tb_attachment_cache_upload_async);
  upload = g_new0 (Upload, 1);
  upload->hashes = g_ptr_array_ref (hashes);
  g_task_set_task_data (task, upload, (GDestroyNotify) upload_free);
  upload_next (task);
}

/*
 * Returns: %TRUE if every file was uploaded or held back; @n_uploaded says how many went,
 *   @n_rejected how many changes were held back (the outbox changed: read it again)
 */
gboolean
_tb_attachment_cache_upload_finish (TbAttachmentCache  *self,
                                    GAsyncResult       *result,
                                    guint              *n_uploaded,
                                    guint              *n_rejected,
                                    GError            **error)
{
  Upload *upload;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  upload = g_task_get_task_data (G_TASK (result));
  if (n_uploaded != NULL)
    *n_uploaded = upload->uploaded;
  if (n_rejected != NULL)
    *n_rejected = upload->rejected;
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
was_added_here (const char *sha256)
{
  gboolean found;

  G_LOCK (added_here);
  found = added_here != NULL && g_hash_table_contains (added_here, sha256);
  G_UNLOCK (added_here);
  return found;
}

/*
 * Forgets the files added on this computer that nothing names any more: a file added to the
 * new-case dialog and taken out again, or left in a dialog closed without saving. Only those
 * no unsent change, no change kept aside as refused and no form with local changes names, and
 * not those added by this process (an open dialog may hold one): they go in a later run. For
 * after a sync that sent the outbox.
 */
void
_tb_attachment_cache_clean_pending (TbAttachmentCache *self)
{
  g_autofree char *pending_dir = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) unnamed = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  const char *name;
  int rc;

  g_return_if_fail (TB_IS_ATTACHMENT_CACHE (self));

  pending_dir = g_build_filename (self->dir, "pending", NULL);
  dir = g_dir_open (pending_dir, 0, NULL);
  if (dir == NULL)
    return;
  unnamed = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (tb_attachment_is_sha256 (name) && !was_added_here (name))
      g_ptr_array_add (unnamed, g_strdup (name));
  if (unnamed->len == 0)
    return;

  stmt = _tb_store_query (self->store, "attachments-referring", &error);
  if (stmt == NULL)
    {
      g_debug ("Waiting files not cleaned: %s", error->message);
      return;
    }
  while (unnamed->len > 0 && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *text = (const char *) sqlite3_column_text (stmt, 0);

      for (guint i = unnamed->len; i-- > 0;)
        if (text != NULL && strstr (text, g_ptr_array_index (unnamed, i)) != NULL)
          g_ptr_array_remove_index_fast (unnamed, i);
    }
  sqlite3_reset (stmt);
  if (unnamed->len > 0 && rc != SQLITE_DONE)
    return;

  for (guint i = 0; i < unnamed->len; i++)
    {
      const char *sha256 = g_ptr_array_index (unnamed, i);
      g_autofree char *marker = sub_path (self, "pending", sha256);
      g_autofree char *file = sub_path (self, "files", sha256);
      g_autofree char *copies = sub_path (self, "open", sha256);
      g_autoptr(GError) local = NULL;

      /* The marker last: a file left half-removed is tried again next time. */
      if (!delete_tree (copies, &local) || !delete_tree (file, &local)
          || !delete_tree (marker, &local))
        g_debug ("Waiting file %s not cleaned: %s", sha256, local->message);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* GObject                                                                                     */

static void
tb_attachment_cache_constructed (GObject *object)
{
  TbAttachmentCache *self = TB_ATTACHMENT_CACHE (object);

  G_OBJECT_CLASS (tb_attachment_cache_parent_class)->constructed (object);

  g_assert (self->store != NULL);
  /* Made when first written to, so that a desk that never sees a file has no folder. */
  self->dir = tb_attachment_cache_build_dir (tb_store_get_path (self->store));
}

static void
tb_attachment_cache_dispose (GObject *object)
{
  TbAttachmentCache *self = TB_ATTACHMENT_CACHE (object);

  g_clear_weak_pointer (&self->engine);

  G_OBJECT_CLASS (tb_attachment_cache_parent_class)->dispose (object);
}

static void
tb_attachment_cache_finalize (GObject *object)
{
  TbAttachmentCache *self = TB_ATTACHMENT_CACHE (object);

  g_clear_object (&self->store);
  g_free (self->dir);

  G_OBJECT_CLASS (tb_attachment_cache_parent_class)->finalize (object);
}

static void
tb_attachment_cache_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TbAttachmentCache *self = TB_ATTACHMENT_CACHE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_DIR:
      g_value_set_string (value, self->dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_attachment_cache_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  TbAttachmentCache *self = TB_ATTACHMENT_CACHE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_ENGINE:
      g_set_weak_pointer (&self->engine, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_attachment_cache_class_init (TbAttachmentCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tb_attachment_cache_constructed;
  object_class->dispose = tb_attachment_cache_dispose;
  object_class->finalize = tb_attachment_cache_finalize;
  object_class->get_property = tb_attachment_cache_get_property;
  object_class->set_property = tb_attachment_cache_set_property;

  /**
   * TbAttachmentCache:store:
   *
   * The account's store: the folder is beside it, and the sync log is in it.
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, TB_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TbAttachmentCache:engine:
   *
   * The sync engine whose session fetches and uploads, or %NULL to work from the cache only.
   * Not referenced: the engine keeps a cache of its own.
   */
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, TB_TYPE_SYNC_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TbAttachmentCache:dir:
   *
   * The account's attachment folder (tb_attachment_cache_build_dir()).
   */
  properties[PROP_DIR] =
    g_param_spec_string ("dir", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_attachment_cache_init (TbAttachmentCache *self)
{
}

/**
 * tb_attachment_cache_new:
 * @store: the account's store
 * @engine: (nullable): its sync engine, on @store, for fetching from the server
 *
 * Returns: (transfer full): the cache of the account of @store
 */
TbAttachmentCache *
tb_attachment_cache_new (TbStore      *store,
                         TbSyncEngine *engine)
{
  g_return_val_if_fail (TB_IS_STORE (store), NULL);
  g_return_val_if_fail (engine == NULL || TB_IS_SYNC_ENGINE (engine), NULL);

  return g_object_new (TB_TYPE_ATTACHMENT_CACHE, "store", store, "engine", engine, NULL);
}

/**
 * tb_attachment_cache_get_dir:
 * @self: a cache
 *
 * Returns: its folder (which may not exist yet)
 */
const char *
tb_attachment_cache_get_dir (TbAttachmentCache *self)
{
  g_return_val_if_fail (TB_IS_ATTACHMENT_CACHE (self), NULL);
  return self->dir;
}

/**
 * tb_attachment_cache_get_store:
 * @self: a cache
 *
 * Returns: (transfer none): its store
 */
TbStore *
tb_attachment_cache_get_store (TbAttachmentCache *self)
{
  g_return_val_if_fail (TB_IS_ATTACHMENT_CACHE (self), NULL);
  return self->store;
}

/**
 * tb_attachment_cache_get_engine:
 * @self: a cache
 *
 * Returns: (transfer none) (nullable): the engine that fetches for it
 */
TbSyncEngine *
tb_attachment_cache_get_engine (TbAttachmentCache *self)
{
  g_return_val_if_fail (TB_IS_ATTACHMENT_CACHE (self), NULL);
  return self->engine;
}
