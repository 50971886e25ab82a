/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-alerts.c: which cases newly need the user after a sync: assigned, or due soon */

#include "config.h"

#include "tb-case-alerts.h"
#include "tb-store-private.h"
#include "tb-store-sync.h"

/*
 * Newly assigned: the ids of the user's open cases are read when a sync starts and again when
 * it has completed; the difference is what the sync brought. A failed sync keeps the first
 * reading, so that cases it applied before failing are still announced by the next complete
 * one. The store's first sync announces nothing: everything in it would be "new".
 *
 * Due soon: once a day (the first completed sync of the day), the user's open, running cases
 * whose deadline is within TB_CASE_ALERTS_DUE_SOON_WORKING_DAYS working days are compared with
 * those of the previous check, kept in the store's meta table; the ones not seen then became
 * due soon since.
 */

#define META_DUE_SOON_DAY "alerts-due-soon-day"
#define META_DUE_SOON_IDS "alerts-due-soon-ids"

struct _TbCaseAlerts
{
  GObject       parent_instance;

  TbSyncEngine *engine;
  GHashTable   *before;      /* ids of the user's open cases as the sync began, or NULL */
  gboolean      initial;     /* that sync is the store's first */
  TbDay         today;       /* TB_DAY_INVALID: the real today */
  gulong        status_handler;
  gulong        synced_handler;
};

G_DEFINE_FINAL_TYPE (TbCaseAlerts, tb_case_alerts, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ENGINE,
  N_PROPS
};

enum {
  ASSIGNED,
  DUE_SOON,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static TbStore *
get_store (TbCaseAlerts *self)
{
  return tb_sync_engine_get_store (self->engine);
}

/* The ids of @user_id's open cases, in deadline order, that @exclude (if any) does not hold. */
static GPtrArray *
list_open_case_ids (TbCaseAlerts  *self,
                    const char    *user_id,
                    GHashTable    *exclude,
                    GError       **error)
{
  TbStore *store = get_store (self);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  /* The (assignee_id, closed, deadline) index answers this without touching other rows. */
  stmt = _tb_store_prepare (store,
                            "SELECT id FROM cases WHERE assignee_id = ?1 AND closed = 0 "
                            "ORDER BY deadline",
                            error);
  if (stmt == NULL)
    return NULL;
  _tb_store_bind_text (stmt, 1, user_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);

      if (exclude == NULL || !g_hash_table_contains (exclude, id))
        g_ptr_array_add (ids, g_strdup (id));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tb_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static GHashTable *
set_from_array (GPtrArray *ids)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (set, g_strdup (g_ptr_array_index (ids, i)));
  return set;
}

static GStrv
strv_from_array (GPtrArray *ids)
{
  GStrv strv = g_new0 (char *, ids->len + 1);

  for (guint i = 0; i < ids->len; i++)
    strv[i] = g_strdup (g_ptr_array_index (ids, i));
  return strv;
}

static void
on_status_changed (TbCaseAlerts *self)
{
  g_auto(TbSyncInfo) info = { 0 };
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  const char *user_id = tb_sync_engine_get_user_id (self->engine);

  if (tb_sync_engine_get_status (self->engine) != TB_SYNC_STATUS_SYNCING
      || self->before != NULL || user_id == NULL)
    return;

  if (!tb_store_get_sync_info (get_store (self), &info, &error)
      || (ids = list_open_case_ids (self, user_id, NULL, &error)) == NULL)
    {
      g_debug ("Cases before the sync not read: %s", error->message);
      return;
    }
  self->initial = info.last_sync_at == 0;
  self->before = set_from_array (ids);
}

static void
on_synced (TbCaseAlerts *self)
{
  g_autoptr(GHashTable) before = g_steal_pointer (&self->before);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) due_soon = NULL;
  const char *user_id = tb_sync_engine_get_user_id (self->engine);

  if (before != NULL && !self->initial && user_id != NULL)
    {
      g_autoptr(GPtrArray) added = list_open_case_ids (self, user_id, before, &error);

      if (added == NULL)
        g_debug ("Newly assigned cases not read: %s", error->message);
      else if (added->len > 0)
        {
          g_auto(GStrv) ids = strv_from_array (added);

          g_signal_emit (self, signals[ASSIGNED], 0, ids);
        }
      g_clear_error (&error);
    }

  due_soon = tb_case_alerts_check_due_soon (self, &error);
  if (due_soon == NULL)
    g_debug ("Cases due soon not read: %s", error->message);
  else if (due_soon[0] != NULL)
    g_signal_emit (self, signals[DUE_SOON], 0, due_soon);
}

static void
tb_case_alerts_constructed (GObject *object)
{
  TbCaseAlerts *self = TB_CASE_ALERTS (object);

  G_OBJECT_CLASS (tb_case_alerts_parent_class)->constructed (object);

  g_assert (self->engine != NULL);
  self->status_handler = g_signal_connect_swapped (self->engine, "notify::status",
                                                   G_CALLBACK (on_status_changed), self);
  self->synced_handler = g_signal_connect_swapped (self->engine, "synced",
                                                   G_CALLBACK (on_synced), self);
  /* A sync already under way started without us: its "before" is unknown. */
}

static void
tb_case_alerts_dispose (GObject *object)
{
  TbCaseAlerts *self = TB_CASE_ALERTS (object);

  if (self->engine != NULL)
    {
      g_clear_signal_handler (&self->status_handler, self->engine);
      g_clear_signal_handler (&self->synced_handler, self->engine);
    }
  g_clear_object (&self->engine);
  g_clear_pointer (&self->before, g_hash_table_unref);

  G_OBJECT_CLASS (tb_case_alerts_parent_class)->dispose (object);
}

static void
tb_case_alerts_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TbCaseAlerts *self = TB_CASE_ALERTS (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_case_alerts_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TbCaseAlerts *self = TB_CASE_ALERTS (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      self->engine = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_case_alerts_class_init (TbCaseAlertsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tb_case_alerts_constructed;
  object_class->dispose = tb_case_alerts_dispose;
  object_class->get_property = tb_case_alerts_get_property;
  object_class->set_property = tb_case_alerts_set_property;

  /**
   * TbCaseAlerts:engine:
   *
   * The sync engine whose syncs are watched.
   */
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, TB_TYPE_SYNC_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TbCaseAlerts::assigned:
   * @ids: the ids of the cases, soonest deadline first
   *
   * Emitted after a sync that assigned open cases to the user (not after the store's first).
   */
  signals[ASSIGNED] =
    g_signal_new ("assigned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRV);

  /**
   * TbCaseAlerts::due-soon:
   * @ids: the ids of the cases, soonest deadline first
   *
   * Emitted at most once a day, after a sync, for the user's cases that became due soon.
   */
  signals[DUE_SOON] =
    g_signal_new ("due-soon", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRV);
}

static void
tb_case_alerts_init (TbCaseAlerts *self)
{
  self->today = TB_DAY_INVALID;
}

/**
 * tb_case_alerts_new:
 * @engine: the sync engine of the session
 *
 * Returns: (transfer full): an object that tells, after each sync of @engine, which cases were
 *   newly assigned to the user and, once a day, which became due soon
 */
TbCaseAlerts *
tb_case_alerts_new (TbSyncEngine *engine)
{
  g_return_val_if_fail (TB_IS_SYNC_ENGINE (engine), NULL);

  return g_object_new (TB_TYPE_CASE_ALERTS, "engine", engine, NULL);
}

/**
 * tb_case_alerts_get_engine:
 * @self: a #TbCaseAlerts
 *
 * Returns: (transfer none): the engine watched
 */
TbSyncEngine *
tb_case_alerts_get_engine (TbCaseAlerts *self)
{
  g_return_val_if_fail (TB_IS_CASE_ALERTS (self), NULL);
  return self->engine;
}

/**
 * tb_case_alerts_get_today:
 * @self: a #TbCaseAlerts
 *
 * Returns: the day deadlines are counted from
 */
TbDay
tb_case_alerts_get_today (TbCaseAlerts *self)
{
  g_return_val_if_fail (TB_IS_CASE_ALERTS (self), TB_DAY_INVALID);
  return self->today != TB_DAY_INVALID ? self->today : tb_day_today ();
}

/**
 * tb_case_alerts_set_today:
 * @self: a #TbCaseAlerts
 * @today: the day to count deadlines from, or %TB_DAY_INVALID for the real today
 *
 * For tests and demos whose data is set on a fixed day.
 */
void
tb_case_alerts_set_today (TbCaseAlerts *self,
                          TbDay         today)
{
  g_return_if_fail (TB_IS_CASE_ALERTS (self));
  self->today = today;
}

/**
 * tb_case_alerts_check_due_soon:
 * @self: a #TbCaseAlerts
 * @error: return location for an error
 *
 * The once-a-day check, which the engine's syncs run by themselves: the user's open, running
 * cases due within %TB_CASE_ALERTS_DUE_SOON_WORKING_DAYS working days that were not so at the
 * previous check. A second check on the same day finds nothing.
 *
 * Returns: (transfer full): the ids, soonest deadline first, possibly none; %NULL on error
 */
GStrv
tb_case_alerts_check_due_soon (TbCaseAlerts  *self,
                               GError       **error)
{
  TbStore *store;
  g_autoptr(TbCalendar) calendar = NULL;
  g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) previous = NULL;
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) joined = g_string_new (NULL);
  g_autofree char *checked_on = NULL;
  g_autofree char *previous_ids = NULL;
  const char *user_id;
  char today_iso[11];
  char last_iso[11];
  sqlite3_stmt *stmt;
  TbDay today;
  TbDay last;
  int rc;

  g_return_val_if_fail (TB_IS_CASE_ALERTS (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  store = get_store (self);
  user_id = tb_sync_engine_get_user_id (self->engine);
  today = tb_case_alerts_get_today (self);
  _tb_store_format_day (today, today_iso);

  checked_on = tb_store_dup_meta (store, META_DUE_SOON_DAY);
  if (user_id == NULL || g_strcmp0 (checked_on, today_iso) == 0)
    return g_new0 (char *, 1);

  calendar = tb_store_load_calendar (store, NULL);
  if (calendar == NULL)
    {
      /* As the inbox does: the bundled official calendar beats counting no working days. */
      calendar = tb_calendar_new ();
      if (!tb_calendar_load_bundled (calendar, error))
        return NULL;
    }
  last = tb_calendar_add_working_days (calendar, today, TB_CASE_ALERTS_DUE_SOON_WORKING_DAYS);
  _tb_store_format_day (last, last_iso);

  stmt = _tb_store_prepare (store,
                            "SELECT id FROM cases WHERE assignee_id = ?1 AND closed = 0 "
                            "AND paused_since IS NULL AND deadline >= ?2 AND deadline <= ?3 "
                            "ORDER BY deadline",
                            error);
  if (stmt == NULL)
    return NULL;
  _tb_store_bind_text (stmt, 1, user_id);
  _tb_store_bind_text (stmt, 2, today_iso);
  _tb_store_bind_text (stmt, 3, last_iso);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (due, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tb_store_set_error (store, rc, error);
      return NULL;
    }

  previous = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  previous_ids = tb_store_dup_meta (store, META_DUE_SOON_IDS);
  if (previous_ids != NULL)
    {
      g_auto(GStrv) list = g_strsplit (previous_ids, ",", -1);

      for (guint i = 0; list[i] != NULL; i++)
        if (list[i][0] != '\0')
          g_hash_table_add (previous, g_strdup (list[i]));
    }

  for (guint i = 0; i < due->len; i++)
    {
      const char *id = g_ptr_array_index (due, i);

      if (!g_hash_table_contains (previous, id))
        g_ptr_array_add (fresh, g_strdup (id));
      if (joined->len > 0)
        g_string_append_c (joined, ',');
      g_string_append (joined, id);
    }

  if (!tb_store_set_meta (store, META_DUE_SOON_IDS, joined->str, error)
      || !tb_store_set_meta (store, META_DUE_SOON_DAY, today_iso, error))
    return NULL;

  return strv_from_array (fresh);
}
