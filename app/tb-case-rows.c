/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-rows.c: a list of cases as rows that keep their place when the cases in them change */

#include "config.h"

#include "tb-case-rows.h"

/*
 * GTK 4.8 keeps a row widget across a change of its list only for the very same item. A case list
 * replaces its items with each new search, so every row a view holds (GTK 4.8 makes 200, not
 * only those on screen) would be destroyed and made anew, which costs far more than the query
 * and the drawing together. TbCaseRows stands between the case list and the view: its items are
 * rows, one per position, that stay when the case at their position changes and say so
 * (notify::case), so that the view fills the cells it has again. Only a change of length — cases
 * added or removed — reaches the view as a change of the list.
 *
 * A row lives while someone holds it, and the rows alive are known by their position (each by a
 * weak reference): those the view holds, and those asked for since. When cases are inserted or
 * removed before a row, it moves with its position.
 *
 * A list that grows from a few rows to many (a search cleared) would still have the view make up
 * to 200 rows at once, most of them off screen. The rows are the cases of a first part of the
 * list, then: when the list grows at the end of it, by a screenful at once (GROW_STEP) and the
 * rest a few at a time (GROW_LATER) from a timeout (grow()). A GTK 4.8 view makes a row widget
 * in the handler of the change that adds its row, some 1 ms each with seven cells: in small
 * steps, a search typed meanwhile waits for one step, not for all of them; and the frames drawn
 * between the steps let the typing show. The timeout has the default priority, so a view
 * drawing one frame after another (a spinner drawn in software) does not hold the rest back.
 *
 * A search that finds nothing would have the view destroy all of its rows (some 50 ms), and the
 * next search make them again (some 200 ms). With keep-when-empty, for a view that something
 * else covers while there are no cases (the inbox's "No Results" page), the rows stay as they
 * were while the cases are empty, and the cases that come next are shown in them.
 */

/* Rows added at once at the end of the list; more come in later steps. */
#define GROW_STEP 50
/* The later steps: this many rows, each so long after the one before. */
#define GROW_LATER 16
#define GROW_INTERVAL_MS 20
/* GTK 4.8 makes row widgets for 200 positions at most (GTK_LIST_VIEW_MAX_LIST_ITEMS): past
 * that, further rows cost a view nothing, and come in one step. */
#define GROW_ALL_PAST 256

/* ---------------------------------------------------------------------------------------------- */
/* TbCaseRow */

struct _TbCaseRow
{
  GObject  parent_instance;

  TbCase  *kase;
  guint    position;  /* G_MAXUINT once its position was removed from the list */
};

G_DEFINE_FINAL_TYPE (TbCaseRow, tb_case_row, G_TYPE_OBJECT)

enum {
  ROW_PROP_0,
  ROW_PROP_CASE,
  N_ROW_PROPS
};

static GParamSpec *row_properties[N_ROW_PROPS];

static void
tb_case_row_set_case (TbCaseRow *self,
                      TbCase    *kase)
{
  if (g_set_object (&self->kase, kase))
    g_object_notify_by_pspec (G_OBJECT (self), row_properties[ROW_PROP_CASE]);
}

static void
tb_case_row_finalize (GObject *object)
{
  TbCaseRow *self = TB_CASE_ROW (object);

  g_clear_object (&self->kase);

  G_OBJECT_CLASS (tb_case_row_parent_class)->finalize (object);
}

static void
tb_case_row_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TbCaseRow *self = TB_CASE_ROW (object);

  switch (prop_id)
    {
    case ROW_PROP_CASE:
      g_value_set_object (value, self->kase);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_case_row_class_init (TbCaseRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tb_case_row_finalize;
  object_class->get_property = tb_case_row_get_property;

  row_properties[ROW_PROP_CASE] =
    g_param_spec_object ("case", NULL, NULL, TB_TYPE_CASE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_ROW_PROPS, row_properties);
}

static void
tb_case_row_init (TbCaseRow *self)
{
  self->position = G_MAXUINT;
}

/**
 * tb_case_row_get_case:
 * @self: a row
 *
 * Returns: (transfer none): the case now at the row's position
 */
TbCase *
tb_case_row_get_case (TbCaseRow *self)
{
  g_return_val_if_fail (TB_IS_CASE_ROW (self), NULL);

  return self->kase;
}

/* ---------------------------------------------------------------------------------------------- */
/* TbCaseRows */

struct _TbCaseRows
{
  GObject     parent_instance;

  GListModel *cases;
  gulong      changed_handler;
  guint       n_items;  /* the first part of the cases that the rows are: see grow() */
  guint       grow_id;
  GHashTable *rows;  /* position → TbCaseRow, alive (not held: see on_row_gone()) */
  gboolean    keep_when_empty;
  GPtrArray  *kept;  /* (nullable) while the cases are empty: the rows kept, 0 to n_items - 1 */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TbCaseRows, tb_case_rows, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_CASES,
  PROP_KEEP_WHEN_EMPTY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A weak notification: the row is being disposed, its fields still readable. */
static void
on_row_gone (gpointer  data,
             GObject  *where_the_object_was)
{
  TbCaseRows *self = data;
  TbCaseRow *row = (TbCaseRow *) where_the_object_was;
  gpointer key = GUINT_TO_POINTER (row->position);

  if (row->position != G_MAXUINT && g_hash_table_lookup (self->rows, key) == row)
    g_hash_table_remove (self->rows, key);
}

/* The live rows from @position on, in no order, each with a reference. */
static GPtrArray *
rows_from (TbCaseRows *self,
           guint       position,
           guint       end)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  TbCaseRow *row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    if (row->position >= position && row->position < end)
      g_ptr_array_add (rows, g_object_ref (row));
  return rows;
}

/* Moves the rows at @at and after as @gone rows there are replaced by @come others. */
static void
move_rows (TbCaseRows *self,
           guint       at,
           guint       gone,
           guint       come)
{
  g_autoptr(GPtrArray) rows = rows_from (self, at, G_MAXUINT);

  for (guint i = 0; i < rows->len; i++)
    {
      TbCaseRow *row = g_ptr_array_index (rows, i);

      g_hash_table_remove (self->rows, GUINT_TO_POINTER (row->position));
    }
  for (guint i = 0; i < rows->len; i++)
    {
      TbCaseRow *row = g_ptr_array_index (rows, i);

      if (row->position < at + gone)
        {
          g_object_weak_unref (G_OBJECT (row), on_row_gone, self);
          row->position = G_MAXUINT;
        }
      else
        {
          row->position = row->position - gone + come;
          g_hash_table_insert (self->rows, GUINT_TO_POINTER (row->position), row);
        }
    }
}

/* Adds the next rows, while the list has more cases than there are rows. */
static gboolean
grow (gpointer data)
{
  TbCaseRows *self = data;
  guint n = g_list_model_get_n_items (self->cases);
  guint at = self->n_items;
  guint come;

  if (at >= n)
    {
      self->grow_id = 0;
      return G_SOURCE_REMOVE;
    }

  come = at < GROW_ALL_PAST ? MIN (GROW_LATER, n - at) : n - at;
  self->n_items += come;
  g_list_model_items_changed (G_LIST_MODEL (self), at, 0, come);

  return G_SOURCE_CONTINUE;
}

/*
 * Keeps the rows as they are while the cases are empty, if the rows alive are those of a first
 * part of the list (as when the view shows its top); the rows past them go, which costs the view
 * nothing. Returns whether it does.
 */
static gboolean
keep_rows (TbCaseRows *self)
{
  g_autoptr(GPtrArray) alive = rows_from (self, 0, self->n_items);
  guint n_items = self->n_items;
  guint end = 0;

  for (guint i = 0; i < alive->len; i++)
    end = MAX (end, ((TbCaseRow *) g_ptr_array_index (alive, i))->position + 1);
  if (alive->len == 0 || end != alive->len)
    return FALSE;

  g_clear_handle_id (&self->grow_id, g_source_remove);
  self->kept = g_steal_pointer (&alive);
  self->n_items = end;
  if (n_items > end)
    g_list_model_items_changed (G_LIST_MODEL (self), end, n_items - end, 0);
  return TRUE;
}

static void
on_cases_changed (TbCaseRows *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *cases)
{
  guint kept;
  guint at;
  guint gone;
  guint come;
  guint n_items = self->n_items;
  guint limit = MAX (n_items, GROW_STEP);

  if (self->kept != NULL && g_list_model_get_n_items (cases) == 0)
    return;
  if (self->kept != NULL)
    {
      /* The cases were empty: whatever came is, for the rows, in place of all of them. */
      g_clear_pointer (&self->kept, g_ptr_array_unref);
      position = 0;
      removed = n_items;
      added = g_list_model_get_n_items (cases);
    }
  else if (self->keep_when_empty && n_items > 0 && g_list_model_get_n_items (cases) == 0
           && keep_rows (self))
    return;

  kept = MIN (removed, added);
  at = position + kept;
  gone = removed - kept;
  come = added - kept;

  /* Positions that stay keep their rows, with the cases now there. */
  if (kept > 0)
    {
      g_autoptr(GPtrArray) rows = rows_from (self, position, position + kept);

      for (guint i = 0; i < rows->len; i++)
        {
          TbCaseRow *row = g_ptr_array_index (rows, i);
          g_autoptr(TbCase) kase = g_list_model_get_item (cases, row->position);

          /* A page the list failed to read (it says why) leaves the row as it was. */
          if (kase != NULL)
            tb_case_row_set_case (row, kase);
        }
    }

  /* The rest changes the length. Where the rows end before it, it is no change of the rows. */
  if (at < n_items)
    {
      guint gone_here = MIN (gone, n_items - at);
      guint come_here = come;

      /* Cases added at the end of the rows: as many as fit the limit now. */
      if (at + gone_here == n_items)
        come_here = MIN (come, limit - at);

      if (gone_here > 0 || come_here > 0)
        {
          move_rows (self, at, gone_here, come_here);
          self->n_items = n_items - gone_here + come_here;
          g_list_model_items_changed (G_LIST_MODEL (self), at, gone_here, come_here);
        }
    }
  else
    {
      guint n = MIN (g_list_model_get_n_items (cases), limit);

      if (n > n_items)
        {
          self->n_items = n;
          g_list_model_items_changed (G_LIST_MODEL (self), n_items, 0, n - n_items);
        }
    }

  if (self->n_items < g_list_model_get_n_items (cases) && self->grow_id == 0)
    self->grow_id = g_timeout_add (GROW_INTERVAL_MS, grow, self);
}

static GType
tb_case_rows_get_item_type (GListModel *model)
{
  return TB_TYPE_CASE_ROW;
}

static guint
tb_case_rows_get_n_items (GListModel *model)
{
  return TB_CASE_ROWS (model)->n_items;
}

static gpointer
tb_case_rows_get_item (GListModel *model,
                       guint       position)
{
  TbCaseRows *self = TB_CASE_ROWS (model);
  TbCaseRow *row;
  TbCase *kase;

  if (position >= self->n_items)
    return NULL;

  row = g_hash_table_lookup (self->rows, GUINT_TO_POINTER (position));
  if (row != NULL)
    return g_object_ref (row);

  kase = g_list_model_get_item (self->cases, position);
  if (kase == NULL)
    return NULL;

  row = g_object_new (TB_TYPE_CASE_ROW, NULL);
  row->kase = kase;
  row->position = position;
  g_object_weak_ref (G_OBJECT (row), on_row_gone, self);
  g_hash_table_insert (self->rows, GUINT_TO_POINTER (position), row);

  return row;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tb_case_rows_get_item_type;
  iface->get_n_items = tb_case_rows_get_n_items;
  iface->get_item = tb_case_rows_get_item;
}

static void
tb_case_rows_constructed (GObject *object)
{
  TbCaseRows *self = TB_CASE_ROWS (object);

  G_OBJECT_CLASS (tb_case_rows_parent_class)->constructed (object);

  g_return_if_fail (G_IS_LIST_MODEL (self->cases));
  g_return_if_fail (g_type_is_a (g_list_model_get_item_type (self->cases), TB_TYPE_CASE));

  /* A first screenful of rows, and the rest after it: see grow(). */
  self->n_items = MIN (g_list_model_get_n_items (self->cases), GROW_STEP);
  if (self->n_items < g_list_model_get_n_items (self->cases))
    self->grow_id = g_timeout_add (GROW_INTERVAL_MS, grow, self);
  self->changed_handler = g_signal_connect_object (self->cases, "items-changed",
                                                   G_CALLBACK (on_cases_changed), self,
                                                   G_CONNECT_SWAPPED);
}

static void
tb_case_rows_dispose (GObject *object)
{
  TbCaseRows *self = TB_CASE_ROWS (object);
  GHashTableIter iter;
  TbCaseRow *row;

  /* Rows that outlive the list forget it. */
  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    {
      g_object_weak_unref (G_OBJECT (row), on_row_gone, self);
      row->position = G_MAXUINT;
    }
  g_hash_table_remove_all (self->rows);

  g_clear_handle_id (&self->grow_id, g_source_remove);
  g_clear_pointer (&self->kept, g_ptr_array_unref);
  if (self->cases != NULL)
    g_clear_signal_handler (&self->changed_handler, self->cases);
  g_clear_object (&self->cases);

  G_OBJECT_CLASS (tb_case_rows_parent_class)->dispose (object);
}

static void
tb_case_rows_finalize (GObject *object)
{
  TbCaseRows *self = TB_CASE_ROWS (object);

  g_clear_pointer (&self->rows, g_hash_table_unref);

  G_OBJECT_CLASS (tb_case_rows_parent_class)->finalize (object);
}

static void
tb_case_rows_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TbCaseRows *self = TB_CASE_ROWS (object);

  switch (prop_id)
    {
    case PROP_CASES:
      g_value_set_object (value, self->cases);
      break;
    case PROP_KEEP_WHEN_EMPTY:
      g_value_set_boolean (value, self->keep_when_empty);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_case_rows_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TbCaseRows *self = TB_CASE_ROWS (object);

  switch (prop_id)
    {
    case PROP_CASES:
      self->cases = g_value_dup_object (value);
      break;
    case PROP_KEEP_WHEN_EMPTY:
      tb_case_rows_set_keep_when_empty (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_case_rows_class_init (TbCaseRowsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tb_case_rows_constructed;
  object_class->dispose = tb_case_rows_dispose;
  object_class->finalize = tb_case_rows_finalize;
  object_class->get_property = tb_case_rows_get_property;
  object_class->set_property = tb_case_rows_set_property;

  properties[PROP_CASES] =
    g_param_spec_object ("cases", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TbCaseRows:keep-when-empty:
   *
   * Whether the rows stay as they were while the cases are empty, for a view covered meanwhile:
   * the rows then differ from the cases until cases come again.
   */
  properties[PROP_KEEP_WHEN_EMPTY] =
    g_param_spec_boolean ("keep-when-empty", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_case_rows_init (TbCaseRows *self)
{
  self->rows = g_hash_table_new (NULL, NULL);
}

/**
 * tb_case_rows_new:
 * @cases: a list of #TbCase, such as a #TbCaseList
 *
 * Returns: (transfer full): the rows of @cases, a list of #TbCaseRow
 */
TbCaseRows *
tb_case_rows_new (GListModel *cases)
{
  g_return_val_if_fail (G_IS_LIST_MODEL (cases), NULL);

  return g_object_new (TB_TYPE_CASE_ROWS, "cases", cases, NULL);
}

/**
 * tb_case_rows_get_cases:
 * @self: rows
 *
 * Returns: (transfer none): the list of cases the rows show
 */
GListModel *
tb_case_rows_get_cases (TbCaseRows *self)
{
  g_return_val_if_fail (TB_IS_CASE_ROWS (self), NULL);

  return self->cases;
}

/**
 * tb_case_rows_get_keep_when_empty:
 * @self: rows
 *
 * Returns: whether the rows stay while the cases are empty
 */
gboolean
tb_case_rows_get_keep_when_empty (TbCaseRows *self)
{
  g_return_val_if_fail (TB_IS_CASE_ROWS (self), FALSE);

  return self->keep_when_empty;
}

/**
 * tb_case_rows_set_keep_when_empty:
 * @self: rows
 * @keep_when_empty: whether the rows stay as they were while the cases are empty
 *
 * For a view that something else covers while there are no cases: its rows are not destroyed
 * by a search that finds nothing, to be made again for the next one. Rows kept while the cases
 * are empty go when this is turned off.
 */
void
tb_case_rows_set_keep_when_empty (TbCaseRows *self,
                                  gboolean    keep_when_empty)
{
  g_return_if_fail (TB_IS_CASE_ROWS (self));

  keep_when_empty = !!keep_when_empty;
  if (self->keep_when_empty == keep_when_empty)
    return;

  self->keep_when_empty = keep_when_empty;
  if (!keep_when_empty && self->kept != NULL)
    {
      guint n_items = self->n_items;

      g_clear_pointer (&self->kept, g_ptr_array_unref);
      self->n_items = 0;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, n_items, 0);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEEP_WHEN_EMPTY]);
}
