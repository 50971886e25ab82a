/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-case-list.c: a GListModel of cases that pages rows out of the store on demand */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tb-case-list.h"
#include "tb-case-private.h"
#include "tb-fts.h"
#include "tb-store-private.h"

/*
 * The list never holds more than a few pages of TbCase objects: it knows only its length (a
 * count(*) on an index) and fetches the page around whatever position is asked for. Filters and
 * the order run in SQL, on the indexes of 0001-initial.sql.
 *
 * When the store reports one changed case, the list works out where the case was and where it is
 * now by counting, on the index, the other rows that sort before its old and its new key — so a
 * one-row change is one items-changed of one row, and a view keeps its scroll position.
 *
 * A text search reads the rowids of its matches once (read_matches()): their number is the length
 * of a text-only list, the length of a list with other filters is counted against them, and a page
 * of many matches walks the order's index testing each row against them; so does a page of a few
 * thousand references among many more cases. The set follows one-row changes; any other change
 * reads it again.
 *
 * A new query is emitted so that a GTK 4.8 view replaces only the rows it shows, and keeps those
 * that stay the same: see reload().
 */

#define PAGE_SIZE 100
/* Past this many matches of a text or reference, pages walk the order's index: see load_page() */
#define SCAN_THRESHOLD 2000
#define MAX_PAGES 16

struct _TbCaseList
{
  GObject     parent_instance;

  TbStore    *store;
  gulong      changed_handler;

  char       *state;
  char       *assignee;
  char       *team;
  char       *service;
  int         due_within;
  gboolean    overdue;
  gboolean    open_only;
  guint       sync_states;  /* bit (1 << TbSyncState) per state listed; 0 for all */
  char       *search_text;
  char       *text_query;   /* the FTS5 query of search_text, or NULL */
  char       *fts_query;    /* the same, unless it finds every case: see text_finds_all() */
  char       *ref_low;      /* a reference prefix: ref_low <= ref < ref_high */
  char       *ref_high;
  TbCaseSort  sort;
  gboolean    descending;
  TbDay       today;
  TbCalendar *calendar;

  char       *where;        /* " WHERE …" or "" */
  char       *page_where;   /* the same, phrased for the page query (see build_where) */
  char       *scan_where;   /* the same, walking the order's index past many text matches */
  char       *set_where;    /* the same, with a reference range tested against `matches` */
  gboolean    only_text;    /* the text is the only filter */
  GPtrArray  *params;       /* text values for the ?s of `where`, in order */
  int         fts_param;    /* the index in `params` of the text query, or -1 */
  int         ref_param;    /* the index in `params` of the low end of the reference range, or -1 */
  gboolean    scan;         /* pages walk the order's index: see load_page() */
  gboolean    ref_set;      /* and test a reference range against `matches`, not each row's ref */
  GArray     *matches;      /* (nullable) the rowids matched, ascending: see read_matches() */
  guint       n_items;
  guint       n_updates;    /* begin_update() calls not yet ended */
  gboolean    reload_pending;
  guint       served_end;   /* past the last position get_item() served since reload() */

  guint         search_serial;    /* calls to set the search text so far: the last one wins */
  guint         changes_seen;     /* ::cases-changed emissions so far */
  GCancellable *search_read;      /* (nullable) the read of the last search set asynchronously */
  GArray       *read_ahead;       /* (nullable) matches read off the main thread, and */
  char         *read_ahead_query; /* the text query they match: see read_matches() */

  GHashTable *pages;        /* page number → GPtrArray of TbCase */
  GHashTable *previous;     /* rowid → TbCase of the pages before the last reload(): see there */
  GQueue      lru;          /* page numbers, most recent first */

  GError     *error;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TbCaseList, tb_case_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

G_DEFINE_ENUM_TYPE (TbCaseSort, tb_case_sort,
                    G_DEFINE_ENUM_VALUE (TB_CASE_SORT_DEADLINE, "deadline"),
                    G_DEFINE_ENUM_VALUE (TB_CASE_SORT_RECEIVED, "received"),
                    G_DEFINE_ENUM_VALUE (TB_CASE_SORT_REFERENCE, "reference"))

enum {
  PROP_0,
  PROP_STORE,
  PROP_STATE,
  PROP_ASSIGNEE,
  PROP_TEAM,
  PROP_SERVICE,
  PROP_DUE_WITHIN,
  PROP_OVERDUE,
  PROP_OPEN_ONLY,
  PROP_SYNC_STATES,
  PROP_SEARCH_TEXT,
  PROP_SORT,
  PROP_DESCENDING,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
clear_pages (TbCaseList *self)
{
  g_hash_table_remove_all (self->pages);
  g_queue_clear (&self->lru);
}

/* ---------------------------------------------------------------------------------------------- */
/* SQL */

static const char *
sort_column (TbCaseList *self)
{
  switch (self->sort)
    {
    case TB_CASE_SORT_RECEIVED:
      return "received_on";
    case TB_CASE_SORT_REFERENCE:
      return "ref";
    case TB_CASE_SORT_DEADLINE:
    default:
      return "deadline";
    }
}

static char *
order_by (TbCaseList *self)
{
  const char *dir = self->descending ? " DESC" : "";

  /* ref is unique; the other keys end in the rowid (which every index carries) so that every row
   * has exactly one place. */
  if (self->sort == TB_CASE_SORT_REFERENCE)
    return g_strdup_printf (" ORDER BY ref%s", dir);
  /* Open cases come before concluded ones by deadline: what a caseworker works through. */
  if (self->sort == TB_CASE_SORT_DEADLINE)
    return g_strdup_printf (" ORDER BY closed%s, deadline%s, rowid%s", dir, dir, dir);
  return g_strdup_printf (" ORDER BY %s%s, rowid%s", sort_column (self), dir, dir);
}

static TbDay
due_cutoff (TbCaseList *self)
{
  if (self->calendar == NULL)
    {
      self->calendar = tb_store_load_calendar (self->store, NULL);
      if (self->calendar == NULL)
        self->calendar = tb_calendar_new ();
    }

  return tb_calendar_add_working_days (self->calendar, self->today, self->due_within);
}

static void
add_param_day (TbCaseList *self,
               TbDay       day)
{
  char buf[11];

  _tb_store_format_day (day, buf);
  g_ptr_array_add (self->params, g_strdup (buf));
}

#define FTS_CONDITION "rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)"
#define REF_CONDITION "ref >= ? AND ref < ?"

static void
build_where (TbCaseList *self)
{
  g_autoptr(GString) where = g_string_new (NULL);
  g_autoptr(GString) page_where = g_string_new (NULL);
  /* Counting wants each filter's index. A page in an order other than the deadline's wants the
   * order's index instead, walked until a page of matching rows is found; otherwise SQLite sorts
   * every matching row to return a hundred. A unary + keeps a filter off its index. */
  gboolean by_order = self->sort != TB_CASE_SORT_DEADLINE;

#define AND(cond) G_STMT_START { \
    g_string_append (where, where->len == 0 ? " WHERE " cond : " AND " cond); \
    g_string_append (page_where, page_where->len == 0 ? " WHERE " : " AND "); \
    if (by_order && g_str_has_suffix (cond, " = ?")) \
      g_string_append_c (page_where, '+'); \
    g_string_append (page_where, cond); \
  } G_STMT_END

  g_ptr_array_set_size (self->params, 0);
  if (self->state != NULL)
    {
      AND ("state = ?");
      g_ptr_array_add (self->params, g_strdup (self->state));
    }
  if (self->assignee != NULL)
    {
      AND ("assignee_id = ?");
      g_ptr_array_add (self->params, g_strdup (self->assignee));
    }
  if (self->team != NULL)
    {
      AND ("team_id = ?");
      g_ptr_array_add (self->params, g_strdup (self->team));
    }
  if (self->service != NULL)
    {
      AND ("service_id = ?");
      g_ptr_array_add (self->params, g_strdup (self->service));
    }
  if (self->overdue)
    {
      /* A paused clock (awaiting the applicant) cannot run out. */
      AND ("closed = 0 AND paused_since IS NULL AND deadline < ?");
      add_param_day (self, self->today);
    }
  if (self->due_within >= 0)
    {
      AND ("closed = 0 AND paused_since IS NULL AND deadline >= ? AND deadline <= ?");
      add_param_day (self, self->today);
      add_param_day (self, due_cutoff (self));
    }
  if (self->open_only)
    AND ("closed = 0");
  if (self->sync_states != 0)
    {
      g_autoptr(GString) cond = g_string_new ("sync_state IN (");

      /* The states are written out rather than bound so that SQLite sees the term the partial
       * index cases_unsynced (0004-views.sql) is defined by, and uses it when synced rows are
       * left out: a view of a few unsent cases then never visits the million synced ones. */
      if (!(self->sync_states & (1u << TB_SYNC_STATE_SYNCED)))
        g_string_prepend (cond, "sync_state != 0 AND ");
      for (guint i = 0; i <= TB_SYNC_STATE_CONFLICT; i++)
        if (self->sync_states & (1u << i))
          g_string_append_printf (cond, "%s%u", cond->str[cond->len - 1] == '(' ? "" : ", ", i);
      g_string_append_c (cond, ')');

      g_string_append (where, where->len == 0 ? " WHERE " : " AND ");
      g_string_append (where, cond->str);
      g_string_append (page_where, page_where->len == 0 ? " WHERE " : " AND ");
      g_string_append (page_where, cond->str);
    }
  self->ref_param = -1;
  if (self->ref_low != NULL)
    {
      AND (REF_CONDITION);
      self->ref_param = self->params->len;
      g_ptr_array_add (self->params, g_strdup (self->ref_low));
      g_ptr_array_add (self->params, g_strdup (self->ref_high));
    }
  self->only_text = self->fts_query != NULL && where->len == 0;
  self->fts_param = -1;
  if (self->fts_query != NULL)
    {
      AND (FTS_CONDITION);
      self->fts_param = self->params->len;
      g_ptr_array_add (self->params, g_strdup (self->fts_query));
    }

#undef AND

  /* With many text matches, looking each up and sorting them all costs more than walking the
   * order's index and testing each row against the set of matches, read once (read_matches()). */
  {
    g_auto(GStrv) parts = g_strsplit (page_where->str, FTS_CONDITION, 2);
    g_autofree char *scan = g_strjoinv ("tb_rowid_in (?, rowid)", parts);
    g_auto(GStrv) ref_parts = g_strsplit (scan, REF_CONDITION, 2);

    g_free (self->scan_where);
    self->scan_where = g_strjoinv ("+ref >= ? AND +ref < ?", ref_parts);
    /* The reference range is always the last condition, and its ?s the last parameters. */
    g_free (self->set_where);
    self->set_where = g_strjoinv ("tb_rowid_in (?, rowid)", ref_parts);
  }

  g_free (self->where);
  self->where = g_string_free (g_steal_pointer (&where), FALSE);
  g_free (self->page_where);
  self->page_where = g_string_free (g_steal_pointer (&page_where), FALSE);
}

/* With @with_matches, the ? of tb_rowid_in() takes the set of matches in place of the text query,
 * or of the reference range (whose high end, the last parameter, then has no ? of its own). The
 * number of parameters bound is returned in @n_bound. */
static sqlite3_stmt *
prepare (TbCaseList  *self,
         const char  *sql,
         gboolean     with_matches,
         int         *n_bound,
         GError     **error)
{
  sqlite3_stmt *stmt = _tb_store_prepare (self->store, sql, error);
  int set_param = self->fts_param >= 0 ? self->fts_param : self->ref_param;
  int n = 0;

  if (stmt == NULL)
    return NULL;

  for (guint i = 0; i < self->params->len; i++)
    {
      if (with_matches && (int) i == set_param)
        sqlite3_bind_pointer (stmt, ++n, self->matches, TB_FTS_ROWID_SET, NULL);
      else if (with_matches && self->fts_param < 0 && (int) i == set_param + 1)
        continue;
      else
        sqlite3_bind_text (stmt, ++n, g_ptr_array_index (self->params, i), -1,
                           SQLITE_TRANSIENT);
    }

  if (n_bound != NULL)
    *n_bound = n;
  return stmt;
}

static int
compare_rowids (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/*
 * Reads the rowids of every case the text (or the reference range) matches, once per query. A
 * frequent word (社保, in a fifth of all cases) matches hundreds of thousands: decoding its list
 * is most of the cost of a search, so the count and the pages share one reading rather than each
 * making its own.
 */
static gboolean
read_matches (TbCaseList  *self,
              GError     **error)
{
  g_autoptr(GArray) matches = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_assert (self->fts_query != NULL || self->ref_low != NULL);

  if (self->matches != NULL)
    return TRUE;

  if (self->read_ahead != NULL && g_strcmp0 (self->read_ahead_query, self->fts_query) == 0)
    {
      self->matches = g_steal_pointer (&self->read_ahead);
      return TRUE;
    }

  if (self->fts_query != NULL)
    {
      stmt = _tb_store_query (self->store, "fts-match-rowids", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, self->fts_query, -1, SQLITE_STATIC);
    }
  else
    {
      /* The reference index holds the rowids: reading them needs no row. */
      stmt = _tb_store_prepare (self->store, "SELECT rowid FROM cases WHERE " REF_CONDITION,
                                error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, self->ref_low, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, self->ref_high, -1, SQLITE_STATIC);
    }

  matches = g_array_new (FALSE, FALSE, sizeof (gint64));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 rowid = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (matches, rowid);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _tb_store_set_error (self->store, rc, error);

  if (self->fts_query == NULL)
    g_array_sort (matches, compare_rowids);

  self->matches = g_steal_pointer (&matches);
  return TRUE;
}

/* The integer that @sql (one row, one column) gives with @n_params texts bound; -1 on error. */
static gint64
query_int (TbCaseList         *self,
           const char         *sql,
           const char * const *params,
           guint               n_params,
           GError            **error)
{
  sqlite3_stmt *stmt = _tb_store_prepare (self->store, sql, error);
  gint64 value = -1;
  int rc;

  if (stmt == NULL)
    return -1;

  for (guint i = 0; i < n_params; i++)
    sqlite3_bind_text (stmt, i + 1, params[i], -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  else
    _tb_store_set_error (self->store, rc, error);
  sqlite3_reset (stmt);

  return value;
}

/*
 * Whether the text query finds every case, and so need not be run at all: one word that every
 * reference starts with ("T", "TB" while all references are TB-…). The reference is the first
 * word of the text each case is indexed by (tb_search_text()), so each case then has a first
 * token that starts with the word. Typing a reference from its start asks exactly this; as a
 * full-text prefix query it would read the rowid of every case, the slowest query there is,
 * while here it is two steps into the reference index.
 */
static gboolean
text_finds_all (TbCaseList *self,
                const char *query)
{
  static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  g_autofree char *low = NULL;
  g_autofree char *high = NULL;
  gsize len;

  /* tb_fts_build_query() makes one word into "word" *. */
  if (query == NULL || query[0] != '"')
    return FALSE;
  len = strspn (query + 1, alnum);
  if (len == 0 || !g_str_equal (query + 1 + len, "\" *"))
    return FALSE;

  /* References are kept in capitals ("TB-2026-000001"), and compared as bytes. */
  low = g_ascii_strup (query + 1, len);
  high = g_strdup (low);
  high[len - 1]++;  /* an ASCII letter or digit: never 0x7f */

  return query_int (self,
                    "SELECT EXISTS (SELECT 1 FROM cases WHERE ref < ?1) "
                    "OR EXISTS (SELECT 1 FROM cases WHERE ref >= ?2)",
                    (const char *[]) { low, high }, 2, NULL) == 0;
}

static gint64
query_count (TbCaseList  *self,
             const char  *sql,
             TbCase      *pivot,
             GError     **error)
{
  int n;
  sqlite3_stmt *stmt = prepare (self, sql, FALSE, &n, error);
  gint64 count = -1;
  int rc;

  if (stmt == NULL)
    return -1;

  if (pivot != NULL)
    {
      gint64 rowid = tb_case_get_rowid (pivot);
      char buf[11];

      sqlite3_bind_int64 (stmt, ++n, rowid);
      switch (self->sort)
        {
        case TB_CASE_SORT_REFERENCE:
          sqlite3_bind_text (stmt, ++n, tb_case_get_ref (pivot), -1, SQLITE_TRANSIENT);
          break;
        case TB_CASE_SORT_RECEIVED:
          _tb_store_format_day (tb_case_get_received_on (pivot), buf);
          sqlite3_bind_text (stmt, ++n, buf, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, ++n, buf, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (stmt, ++n, rowid);
          break;
        case TB_CASE_SORT_DEADLINE:
        default:
          if (tb_case_get_deadline (pivot) == TB_DAY_INVALID)
            sqlite3_bind_int64 (stmt, ++n, rowid);
          else
            {
              _tb_store_format_day (tb_case_get_deadline (pivot), buf);
              sqlite3_bind_text (stmt, ++n, buf, -1, SQLITE_TRANSIENT);
              sqlite3_bind_text (stmt, ++n, buf, -1, SQLITE_TRANSIENT);
              sqlite3_bind_int64 (stmt, ++n, rowid);
            }
          break;
        }
    }

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  else
    _tb_store_set_error (self->store, rc, error);
  sqlite3_reset (stmt);

  return count;
}

/*
 * SQL for "the other rows that come before @pivot in this order". SQLite sorts NULL first in
 * ascending order and last in descending order; only the deadline can be NULL.
 */
static char *
before_sql (TbCaseList *self,
            TbCase     *pivot)
{
  const char *lt = self->descending ? ">" : "<";

  switch (self->sort)
    {
    case TB_CASE_SORT_REFERENCE:
      return g_strdup_printf ("ref %s ?", lt);

    case TB_CASE_SORT_RECEIVED:
      return g_strdup_printf ("(received_on %s ? OR (received_on = ? AND rowid %s ?))", lt, lt);

    case TB_CASE_SORT_DEADLINE:
    default:
      {
        const char *deadline_before;

        if (tb_case_get_deadline (pivot) == TB_DAY_INVALID)
          deadline_before = self->descending
            ? "(deadline IS NOT NULL OR rowid > ?)"
            : "(deadline IS NULL AND rowid < ?)";
        else
          deadline_before = self->descending
            ? "(deadline > ? OR (deadline = ? AND rowid > ?))"
            : "(deadline IS NULL OR deadline < ? OR (deadline = ? AND rowid < ?))";

        /* closed is 0 or 1, spelled into the SQL: it is the pivot's, not the user's. */
        return g_strdup_printf ("(closed %s %d OR (closed = %d AND %s))",
                                lt, tb_case_get_closed (pivot) ? 1 : 0,
                                tb_case_get_closed (pivot) ? 1 : 0, deadline_before);
      }
    }
}

/* The position @pivot has (or would have) among the other rows of the list. */
static gint64
position_of (TbCaseList *self,
             TbCase     *pivot)
{
  g_autofree char *before = before_sql (self, pivot);
  g_autofree char *sql = NULL;

  sql = g_strdup_printf ("SELECT count(*) FROM cases%s%s rowid != ? AND %s",
                         self->where, self->where[0] ? " AND" : " WHERE", before);
  return query_count (self, sql, pivot, NULL);
}

static gboolean
text_matches (TbCaseList *self,
              TbCase     *c)
{
  sqlite3_stmt *stmt;
  gboolean ret;

  if (self->fts_query == NULL)
    return TRUE;

  stmt = _tb_store_query (self->store, "fts-match-rowid", NULL);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, self->fts_query, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, tb_case_get_rowid (c));
  ret = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);

  return ret;
}

static gboolean
in_ref_range (TbCaseList *self,
              TbCase     *c)
{
  return self->ref_low == NULL
         || (g_strcmp0 (tb_case_get_ref (c), self->ref_low) >= 0
             && g_strcmp0 (tb_case_get_ref (c), self->ref_high) < 0);
}

/* The filters, evaluated on a case in memory (the text filter aside). */
static gboolean
matches_fields (TbCaseList *self,
                TbCase     *c)
{
  TbDay deadline = tb_case_get_deadline (c);
  gboolean running = !tb_case_get_closed (c)
                     && tb_case_get_paused_since (c) == TB_DAY_INVALID
                     && deadline != TB_DAY_INVALID;

  if (self->state != NULL && g_strcmp0 (self->state, tb_case_get_state (c)) != 0)
    return FALSE;
  if (self->assignee != NULL && g_strcmp0 (self->assignee, tb_case_get_assignee_id (c)) != 0)
    return FALSE;
  if (self->team != NULL && g_strcmp0 (self->team, tb_case_get_team_id (c)) != 0)
    return FALSE;
  if (self->service != NULL && g_strcmp0 (self->service, tb_case_get_service_id (c)) != 0)
    return FALSE;
  if (!in_ref_range (self, c))
    return FALSE;
  if (self->overdue && !(running && deadline < self->today))
    return FALSE;
  if (self->open_only && tb_case_get_closed (c))
    return FALSE;
  if (self->sync_states != 0 && !(self->sync_states & (1u << tb_case_get_sync_state (c))))
    return FALSE;
  if (self->due_within >= 0
      && !(running && deadline >= self->today && deadline <= due_cutoff (self)))
    return FALSE;

  return TRUE;
}

static gboolean
same_text (TbCase *a,
           TbCase *b)
{
  return g_strcmp0 (tb_case_get_ref (a), tb_case_get_ref (b)) == 0
      && g_strcmp0 (tb_case_get_applicant_name (a), tb_case_get_applicant_name (b)) == 0
      && g_strcmp0 (tb_case_get_company_name (a), tb_case_get_company_name (b)) == 0
      && g_strcmp0 (tb_case_get_form_json (a), tb_case_get_form_json (b)) == 0;
}

/* ---------------------------------------------------------------------------------------------- */

static void
set_error (TbCaseList *self,
           GError     *error)
{
  g_clear_error (&self->error);
  self->error = error;
  if (error != NULL)
    g_warning ("Case list: %s", error->message);
}

/* A range of references is counted in steps of this many, on the side of it that is smaller. */
#define REF_COUNT_STEP 20000

/*
 * The number of cases in the reference range, the only filter. The index counts a range one entry
 * at a time, and a reference typed from its start ("TB-2", "TB-2026-") spans nearly every case:
 * then the few cases outside it, on either side, are quicker to count, and the count of the whole
 * table is quick too (SQLite counts the pages of its smallest index, not its rows). Each side is
 * first counted only up to a step, so that neither a small range nor a small outside costs more.
 */
static gint64
count_ref_range (TbCaseList  *self,
                 GError     **error)
{
  const char *sql =
    "SELECT count(*) FROM (SELECT 1 FROM cases WHERE " REF_CONDITION " LIMIT ?3)";
  g_autofree char *step = g_strdup_printf ("%d", REF_COUNT_STEP);
  gint64 n;
  gint64 total;
  gint64 below;
  gint64 above;

  n = query_int (self, sql, (const char *[]) { self->ref_low, self->ref_high, step }, 3, error);
  if (n < REF_COUNT_STEP)
    return n;

  below = query_int (self, "SELECT count(*) FROM (SELECT 1 FROM cases WHERE ref < ?1 LIMIT ?2)",
                     (const char *[]) { self->ref_low, step }, 2, error);
  above = query_int (self, "SELECT count(*) FROM (SELECT 1 FROM cases WHERE ref >= ?1 LIMIT ?2)",
                     (const char *[]) { self->ref_high, step }, 2, error);
  if (below < 0 || above < 0)
    return -1;
  if (below < REF_COUNT_STEP && above < REF_COUNT_STEP)
    {
      total = query_int (self, "SELECT count(*) FROM cases", NULL, 0, error);
      return total < 0 ? -1 : total - below - above;
    }

  return query_int (self, "SELECT count(*) FROM cases WHERE " REF_CONDITION,
                    (const char *[]) { self->ref_low, self->ref_high }, 2, error);
}

/* The number of cases, roughly (and at once): the rowids run from 1 up, with few gaps. */
static gint64
count_rows_about (TbCaseList *self)
{
  sqlite3_stmt *stmt = _tb_store_prepare (self->store, "SELECT max(rowid) FROM cases", NULL);
  gint64 n = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return n;
}

/* Fewer matches than one in this many cases are looked up one by one: see count_with_matches() */
#define LOOKUP_RATIO 64

/*
 * The number of rows the other filters select among the matches read by read_matches(). Either
 * each match is looked up by its rowid, or the filters' index is walked testing each row against
 * the set: a row looked up costs some 60 times an index entry walked (7 µs and 0.1 µs at a million
 * cases), but the walk visits every row the filters select, which may be most of the cases.
 */
static gint64
count_with_matches (TbCaseList  *self,
                    GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (self->where, FTS_CONDITION, 2);
  gboolean lookup = (gint64) self->matches->len * LOOKUP_RATIO < count_rows_about (self);
  g_autofree char *where = g_strjoinv (lookup ? "rowid = ?" : "tb_rowid_in (?, rowid)", parts);
  g_autofree char *sql = g_strconcat ("SELECT count(*) FROM cases", where, NULL);
  sqlite3_stmt *stmt = prepare (self, sql, !lookup, NULL, error);
  gint64 count = 0;

  if (stmt == NULL)
    return -1;

  for (guint i = 0; i < (lookup ? self->matches->len : 1); i++)
    {
      int rc;

      if (lookup)
        sqlite3_bind_int64 (stmt, self->fts_param + 1,
                            g_array_index (self->matches, gint64, i));
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        count += sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW)
        {
          _tb_store_set_error (self->store, rc, error);
          return -1;
        }
    }

  return count;
}

static guint
count_all (TbCaseList *self)
{
  g_autofree char *sql = NULL;
  GError *error = NULL;
  gint64 n;

  /* Every case is in the full-text index once, so a text-only count need not visit the cases:
   * it is the number of matches, which the first page needs anyway. */
  if (self->only_text)
    {
      if (!read_matches (self, &error))
        {
          set_error (self, error);
          return 0;
        }
      return self->matches->len;
    }

  if (self->ref_low != NULL && g_str_equal (self->where, " WHERE " REF_CONDITION))
    n = count_ref_range (self, &error);
  else if (self->fts_query != NULL)
    {
      /* The text narrowed by other filters: SQLite would read every match into a temporary
       * b-tree for the count (and walk a large filter's index probing it), and the pages would
       * read the matches again. They are read once, and counted as count_with_matches() says. */
      if (!read_matches (self, &error))
        n = -1;
      else
        n = count_with_matches (self, &error);
    }
  else
    {
      sql = g_strdup_printf ("SELECT count(*) FROM cases%s", self->where);
      n = query_count (self, sql, NULL, &error);
    }
  if (n < 0)
    {
      set_error (self, error);
      return 0;
    }
  return (guint) n;
}

/*
 * Re-runs the query from scratch: for a changed filter or order, or a bulk change.
 *
 * The change is emitted in two parts when a view shows rows. When the item of one of its row
 * widgets is removed, GTK 4.8's list item manager looks for it among every added item
 * (gtk_list_item_manager_model_items_changed_cb()), as GtkSingleSelection does for its selected
 * item: for a new search over a million cases, that would read the whole list, page by page.
 * Every row widget stands where get_item() served its item, below served_end; so the head up to
 * there is replaced first, alone, and then the rest, where no widget stands and no such search
 * happens. Between the two, the view asks only for items of the head.
 *
 * A case that was on a page before and is still in the list, unchanged, is handed out again as
 * the same object: the view then keeps its row as it is (typing "unlimite" after "unlimit", or
 * a space, changes nothing on screen) instead of making and binding a new one.
 */
static void
reload (TbCaseList *self)
{
  GHashTable *previous;
  GHashTableIter iter;
  GPtrArray *rows;
  guint old_n = self->n_items;
  guint new_n;
  guint head;

  if (self->store == NULL)
    return;
  if (self->n_updates > 0)
    {
      self->reload_pending = TRUE;
      return;
    }

  previous = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &rows))
    for (guint i = 0; i < rows->len; i++)
      {
        TbCase *c = g_ptr_array_index (rows, i);
        gint64 rowid = tb_case_get_rowid (c);

        g_hash_table_insert (previous, g_memdup2 (&rowid, sizeof rowid), g_object_ref (c));
      }

  g_clear_error (&self->error);
  g_clear_pointer (&self->fts_query, g_free);
  if (self->text_query != NULL && !text_finds_all (self, self->text_query))
    self->fts_query = g_strdup (self->text_query);
  build_where (self);
  clear_pages (self);
  g_clear_pointer (&self->matches, g_array_unref);
  new_n = count_all (self);
  self->scan = (self->fts_query != NULL || self->ref_low != NULL) && new_n > SCAN_THRESHOLD;
  /* Among many references (TB-2026-0…) the rows that match are a few lookups apart; among a
   * few thousand of a million (TB-2026-00…) testing each row's reference would look up hundreds
   * of rows per match, while their rowids read off the reference index cost one step each. */
  self->ref_set = self->scan && self->ref_low != NULL
                  && (gint64) new_n < count_rows_about (self) / 4;

  head = MIN (self->served_end, MIN (old_n, new_n));
  self->served_end = 0;
  g_clear_pointer (&self->previous, g_hash_table_unref);
  self->previous = previous;
  if (head > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, head, head);

  self->n_items = new_n;
  if (old_n > head || new_n > head)
    g_list_model_items_changed (G_LIST_MODEL (self), head, old_n - head, new_n - head);
  if (old_n != new_n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Where @rowid is or would be in the set of matches. */
static guint
match_index (TbCaseList *self,
             gint64      rowid,
             gboolean   *found)
{
  guint lo = 0;
  guint hi = self->matches->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      gint64 v = g_array_index (self->matches, gint64, mid);

      if (v == rowid)
        {
          *found = TRUE;
          return mid;
        }
      if (v < rowid)
        lo = mid + 1;
      else
        hi = mid;
    }
  *found = FALSE;
  return lo;
}

/* Keeps the set of matches true to the index across a one-row change (see apply_change()). */
static void
update_matches (TbCaseList   *self,
                TbCaseChange *change)
{
  TbCase *c = change->new_case != NULL ? change->new_case : change->old_case;
  gboolean matches = change->new_case != NULL
                     && (self->fts_query != NULL ? text_matches (self, change->new_case)
                                                 : in_ref_range (self, change->new_case));
  gboolean found;
  guint index;

  if (self->matches == NULL || c == NULL)
    return;

  index = match_index (self, tb_case_get_rowid (c), &found);
  if (matches && !found)
    {
      gint64 rowid = tb_case_get_rowid (c);
      g_array_insert_val (self->matches, index, rowid);
    }
  else if (!matches && found)
    g_array_remove_index (self->matches, index);
}

static void
apply_change (TbCaseList   *self,
              TbCaseChange *change)
{
  gboolean was_in = FALSE;
  gboolean is_in = FALSE;
  gint64 old_pos = -1;
  gint64 new_pos = -1;

  /* A case whose reference starts otherwise turns the text back into a query to run. */
  if (self->text_query != NULL && self->fts_query == NULL
      && !text_finds_all (self, self->text_query))
    {
      reload (self);
      return;
    }

  if (change->new_case != NULL)
    is_in = matches_fields (self, change->new_case) && text_matches (self, change->new_case);
  update_matches (self, change);

  if (change->old_case != NULL)
    {
      /* Whether the old text matched can only be asked of the index if the text is the same. */
      if (self->fts_query != NULL
          && (change->new_case == NULL || !same_text (change->old_case, change->new_case)))
        {
          reload (self);
          return;
        }
      was_in = matches_fields (self, change->old_case)
               && (change->new_case == NULL || text_matches (self, change->new_case));
    }

  if (was_in)
    old_pos = position_of (self, change->old_case);
  if (is_in)
    new_pos = position_of (self, change->new_case);

  if ((was_in && old_pos < 0) || (is_in && new_pos < 0))
    {
      reload (self);
      return;
    }

  clear_pages (self);

  if (was_in && is_in && old_pos == new_pos)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), old_pos, 1, 1);
      return;
    }

  if (was_in)
    {
      self->n_items--;
      g_list_model_items_changed (G_LIST_MODEL (self), old_pos, 1, 0);
    }
  if (is_in)
    {
      self->n_items++;
      /* The rows served from here on moved down by one. */
      if (new_pos < self->served_end)
        self->served_end++;
      g_list_model_items_changed (G_LIST_MODEL (self), new_pos, 0, 1);
    }
  if (was_in != is_in)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
on_cases_changed (TbCaseList *self,
                  GPtrArray  *changes,
                  TbStore    *store)
{
  self->changes_seen++;

  /* Several changes at once are computed against the final state of the store, where the
   * positions of each intermediate step are no longer known: re-read. */
  if (changes == NULL || changes->len != 1)
    {
      reload (self);
      return;
    }

  apply_change (self, g_ptr_array_index (changes, 0));
}

/* ---------------------------------------------------------------------------------------------- */
/* GListModel */

static GType
tb_case_list_get_item_type (GListModel *model)
{
  return TB_TYPE_CASE;
}

static guint
tb_case_list_get_n_items (GListModel *model)
{
  return TB_CASE_LIST (model)->n_items;
}

/*
 * A page of a text (or reference) search has two ways. Past a few thousand matches, it walks the
 * order's index testing each row (see build_where()). Otherwise it sorts the matches: their keys
 * only, in a subquery, and then reads the hundred rows of the page, rather than carrying every
 * matching row, form and all, through the sort.
 */
static GPtrArray *
load_page (TbCaseList *self,
           guint       page)
{
  g_autofree char *order = order_by (self);
  g_autofree char *sql = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  GError *error = NULL;
  sqlite3_stmt *stmt;
  gboolean with_matches = self->scan && (self->fts_query != NULL || self->ref_set);
  int n;
  int rc;

  if (with_matches && !read_matches (self, &error))
    {
      set_error (self, error);
      return NULL;
    }

  if (self->scan)
    sql = g_strconcat ("SELECT " TB_CASE_COLUMNS " FROM cases",
                       self->ref_set ? self->set_where : self->scan_where,
                       order, " LIMIT ? OFFSET ?", NULL);
  else if (self->fts_query != NULL || self->ref_low != NULL)
    sql = g_strconcat ("SELECT " TB_CASE_COLUMNS " FROM cases WHERE rowid IN "
                       "(SELECT rowid FROM cases", self->page_where, order, " LIMIT ? OFFSET ?)",
                       order, NULL);
  else
    sql = g_strconcat ("SELECT " TB_CASE_COLUMNS " FROM cases", self->page_where, order,
                       " LIMIT ? OFFSET ?", NULL);
  stmt = prepare (self, sql, with_matches, &n, &error);
  if (stmt == NULL)
    {
      set_error (self, error);
      return NULL;
    }

  sqlite3_bind_int (stmt, n + 1, PAGE_SIZE);
  sqlite3_bind_int64 (stmt, n + 2, (gint64) page * PAGE_SIZE);

  rows = g_ptr_array_new_full (PAGE_SIZE, g_object_unref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TbCase *c = _tb_case_new_from_stmt (stmt);
      TbCase *same = NULL;

      /* See reload(). */
      if (self->previous != NULL)
        {
          gint64 rowid = tb_case_get_rowid (c);

          same = g_hash_table_lookup (self->previous, &rowid);
        }
      if (same != NULL && tb_case_equal (same, c))
        {
          g_object_unref (c);
          c = g_object_ref (same);
        }
      g_ptr_array_add (rows, c);
    }
  if (rc != SQLITE_DONE)
    {
      _tb_store_set_error (self->store, rc, &error);
      set_error (self, error);
    }
  sqlite3_reset (stmt);

  return g_steal_pointer (&rows);
}

static gpointer
tb_case_list_get_item (GListModel *model,
                       guint       position)
{
  TbCaseList *self = TB_CASE_LIST (model);
  guint page = position / PAGE_SIZE;
  guint offset = position % PAGE_SIZE;
  GPtrArray *rows;

  if (position >= self->n_items)
    return NULL;
  self->served_end = MAX (self->served_end, position + 1);

  rows = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (rows == NULL)
    {
      rows = load_page (self, page);
      if (rows == NULL)
        return NULL;

      g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), rows);
      g_queue_push_head (&self->lru, GUINT_TO_POINTER (page));
      while (g_queue_get_length (&self->lru) > MAX_PAGES)
        g_hash_table_remove (self->pages, g_queue_pop_tail (&self->lru));
    }
  else if (g_queue_peek_head (&self->lru) != GUINT_TO_POINTER (page))
    {
      g_queue_remove (&self->lru, GUINT_TO_POINTER (page));
      g_queue_push_head (&self->lru, GUINT_TO_POINTER (page));
    }

  if (offset >= rows->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (rows, offset));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tb_case_list_get_item_type;
  iface->get_n_items = tb_case_list_get_n_items;
  iface->get_item = tb_case_list_get_item;
}

/* ---------------------------------------------------------------------------------------------- */
/* GObject */

static void
tb_case_list_constructed (GObject *object)
{
  TbCaseList *self = TB_CASE_LIST (object);

  G_OBJECT_CLASS (tb_case_list_parent_class)->constructed (object);

  g_return_if_fail (TB_IS_STORE (self->store));

  self->changed_handler = g_signal_connect_object (self->store, "cases-changed",
                                                   G_CALLBACK (on_cases_changed), self,
                                                   G_CONNECT_SWAPPED);
  reload (self);
}

static void
tb_case_list_dispose (GObject *object)
{
  TbCaseList *self = TB_CASE_LIST (object);

  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_handler, self->store);
  g_clear_object (&self->store);
  if (self->search_read != NULL)
    g_cancellable_cancel (self->search_read);
  g_clear_object (&self->search_read);
  clear_pages (self);

  G_OBJECT_CLASS (tb_case_list_parent_class)->dispose (object);
}

static void
tb_case_list_finalize (GObject *object)
{
  TbCaseList *self = TB_CASE_LIST (object);

  g_free (self->state);
  g_free (self->assignee);
  g_free (self->team);
  g_free (self->service);
  g_free (self->search_text);
  g_free (self->text_query);
  g_free (self->fts_query);
  g_free (self->ref_low);
  g_free (self->ref_high);
  g_free (self->read_ahead_query);
  g_clear_pointer (&self->read_ahead, g_array_unref);
  g_free (self->where);
  g_free (self->page_where);
  g_free (self->scan_where);
  g_free (self->set_where);
  g_clear_pointer (&self->calendar, tb_calendar_unref);
  g_clear_pointer (&self->params, g_ptr_array_unref);
  g_clear_pointer (&self->matches, g_array_unref);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->previous, g_hash_table_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (tb_case_list_parent_class)->finalize (object);
}

static void
tb_case_list_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TbCaseList *self = TB_CASE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_STATE:
      g_value_set_string (value, self->state);
      break;
    case PROP_ASSIGNEE:
      g_value_set_string (value, self->assignee);
      break;
    case PROP_TEAM:
      g_value_set_string (value, self->team);
      break;
    case PROP_SERVICE:
      g_value_set_string (value, self->service);
      break;
    case PROP_DUE_WITHIN:
      g_value_set_int (value, self->due_within);
      break;
    case PROP_OVERDUE:
      g_value_set_boolean (value, self->overdue);
      break;
    case PROP_OPEN_ONLY:
      g_value_set_boolean (value, self->open_only);
      break;
    case PROP_SYNC_STATES:
      g_value_set_uint (value, self->sync_states);
      break;
    case PROP_SEARCH_TEXT:
      g_value_set_string (value, self->search_text);
      break;
    case PROP_SORT:
      g_value_set_enum (value, self->sort);
      break;
    case PROP_DESCENDING:
      g_value_set_boolean (value, self->descending);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_case_list_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TbCaseList *self = TB_CASE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_STATE:
      tb_case_list_set_state (self, g_value_get_string (value));
      break;
    case PROP_ASSIGNEE:
      tb_case_list_set_assignee (self, g_value_get_string (value));
      break;
    case PROP_TEAM:
      tb_case_list_set_team (self, g_value_get_string (value));
      break;
    case PROP_SERVICE:
      tb_case_list_set_service (self, g_value_get_string (value));
      break;
    case PROP_DUE_WITHIN:
      tb_case_list_set_due_within (self, g_value_get_int (value));
      break;
    case PROP_OVERDUE:
      tb_case_list_set_overdue (self, g_value_get_boolean (value));
      break;
    case PROP_OPEN_ONLY:
      tb_case_list_set_open_only (self, g_value_get_boolean (value));
      break;
    case PROP_SYNC_STATES:
      tb_case_list_set_sync_states (self, g_value_get_uint (value));
      break;
    case PROP_SEARCH_TEXT:
      tb_case_list_set_search_text (self, g_value_get_string (value));
      break;
    case PROP_SORT:
      tb_case_list_set_sort (self, g_value_get_enum (value), self->descending);
      break;
    case PROP_DESCENDING:
      tb_case_list_set_sort (self, self->sort, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_case_list_class_init (TbCaseListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = tb_case_list_constructed;
  object_class->dispose = tb_case_list_dispose;
  object_class->finalize = tb_case_list_finalize;
  object_class->get_property = tb_case_list_get_property;
  object_class->set_property = tb_case_list_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, TB_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL, rw);
  properties[PROP_ASSIGNEE] = g_param_spec_string ("assignee", NULL, NULL, NULL, rw);
  properties[PROP_TEAM] = g_param_spec_string ("team", NULL, NULL, NULL, rw);
  properties[PROP_SERVICE] = g_param_spec_string ("service", NULL, NULL, NULL, rw);
  properties[PROP_DUE_WITHIN] = g_param_spec_int ("due-within", NULL, NULL,
                                                  -1, 3650, -1, rw);
  properties[PROP_OVERDUE] = g_param_spec_boolean ("overdue", NULL, NULL, FALSE, rw);
  properties[PROP_OPEN_ONLY] = g_param_spec_boolean ("open-only", NULL, NULL, FALSE, rw);
  properties[PROP_SYNC_STATES] = g_param_spec_uint ("sync-states", NULL, NULL,
                                                    0, (1u << (TB_SYNC_STATE_CONFLICT + 1)) - 1,
                                                    0, rw);
  properties[PROP_SEARCH_TEXT] = g_param_spec_string ("search-text", NULL, NULL, NULL, rw);
  properties[PROP_SORT] = g_param_spec_enum ("sort", NULL, NULL, TB_TYPE_CASE_SORT,
                                             TB_CASE_SORT_DEADLINE, rw);
  properties[PROP_DESCENDING] = g_param_spec_boolean ("descending", NULL, NULL, FALSE, rw);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_case_list_init (TbCaseList *self)
{
  self->due_within = -1;
  self->today = tb_day_today ();
  self->where = g_strdup ("");
  self->page_where = g_strdup ("");
  self->scan_where = g_strdup ("");
  self->set_where = g_strdup ("");
  self->params = g_ptr_array_new_with_free_func (g_free);
  self->fts_param = -1;
  self->ref_param = -1;
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tb_case_list_new:
 * @store: the store to list cases of
 *
 * Returns: (transfer full): a list of all cases of @store, by deadline
 */
TbCaseList *
tb_case_list_new (TbStore *store)
{
  g_return_val_if_fail (TB_IS_STORE (store), NULL);

  return g_object_new (TB_TYPE_CASE_LIST, "store", store, NULL);
}

/**
 * tb_case_list_get_store:
 * @self: a case list
 *
 * Returns: (transfer none): the store
 */
TbStore *
tb_case_list_get_store (TbCaseList *self)
{
  g_return_val_if_fail (TB_IS_CASE_LIST (self), NULL);
  return self->store;
}

static void
set_filter_string (TbCaseList  *self,
                   char       **field,
                   const char  *value,
                   int          prop)
{
  if (value != NULL && value[0] == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/**
 * tb_case_list_set_state:
 * @self: a case list
 * @state: (nullable): list only cases in this workflow state, or %NULL for all
 */
void
tb_case_list_set_state (TbCaseList *self,
                        const char *state)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));
  set_filter_string (self, &self->state, state, PROP_STATE);
}

/**
 * tb_case_list_set_assignee:
 * @self: a case list
 * @assignee_id: (nullable): list only cases assigned to this user, or %NULL for all
 */
void
tb_case_list_set_assignee (TbCaseList *self,
                           const char *assignee_id)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));
  set_filter_string (self, &self->assignee, assignee_id, PROP_ASSIGNEE);
}

/**
 * tb_case_list_set_team:
 * @self: a case list
 * @team_id: (nullable): list only this team's cases, or %NULL for all
 */
void
tb_case_list_set_team (TbCaseList *self,
                       const char *team_id)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));
  set_filter_string (self, &self->team, team_id, PROP_TEAM);
}

/**
 * tb_case_list_set_service:
 * @self: a case list
 * @service_id: (nullable): list only cases of this service, or %NULL for all
 */
void
tb_case_list_set_service (TbCaseList *self,
                          const char *service_id)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));
  set_filter_string (self, &self->service, service_id, PROP_SERVICE);
}

/**
 * tb_case_list_set_due_within:
 * @self: a case list
 * @working_days: list only open cases due within this many working days from today (not
 *   overdue ones), or -1 for all
 */
void
tb_case_list_set_due_within (TbCaseList *self,
                             int         working_days)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));
  g_return_if_fail (working_days >= -1);

  if (self->due_within == working_days)
    return;
  self->due_within = working_days;
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DUE_WITHIN]);
}

/**
 * tb_case_list_set_overdue:
 * @self: a case list
 * @overdue: list only open cases past their deadline
 */
void
tb_case_list_set_overdue (TbCaseList *self,
                          gboolean    overdue)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));

  overdue = !!overdue;
  if (self->overdue == overdue)
    return;
  self->overdue = overdue;
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OVERDUE]);
}

/**
 * tb_case_list_begin_update:
 * @self: a case list
 *
 * Holds back the query of the filter setters until tb_case_list_end_update(), so that changing
 * several filters at once (switching views) runs one query and emits one items-changed.
 */
void
tb_case_list_begin_update (TbCaseList *self)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));

  self->n_updates++;
}

/**
 * tb_case_list_end_update:
 * @self: a case list
 *
 * Ends a tb_case_list_begin_update(); the last end runs the query if a filter changed.
 */
void
tb_case_list_end_update (TbCaseList *self)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));
  g_return_if_fail (self->n_updates > 0);

  if (--self->n_updates == 0 && self->reload_pending)
    {
      self->reload_pending = FALSE;
      reload (self);
    }
}

/**
 * tb_case_list_set_open_only:
 * @self: a case list
 * @open_only: list only cases not yet concluded
 */
void
tb_case_list_set_open_only (TbCaseList *self,
                            gboolean    open_only)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));

  open_only = !!open_only;
  if (self->open_only == open_only)
    return;
  self->open_only = open_only;
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPEN_ONLY]);
}

/**
 * tb_case_list_set_sync_states:
 * @self: a case list
 * @sync_states: a mask of `1 << TbSyncState`, one bit per state to list; 0 for all
 *
 * Lists only cases in the given sync states, e.g. those waiting to be sent.
 */
void
tb_case_list_set_sync_states (TbCaseList *self,
                              guint       sync_states)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));
  g_return_if_fail (sync_states < (1u << (TB_SYNC_STATE_CONFLICT + 1)));

  if (self->sync_states == sync_states)
    return;
  self->sync_states = sync_states;
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_STATES]);
}

/* "tb-2026-0001" → "TB-2026-0001": letters, a dash, then digits and dashes; or NULL. */
static char *
ref_prefix (const char *text)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  const char *p = trimmed;
  guint n_letters = 0;

  while (g_ascii_isalpha (*p))
    p++, n_letters++;
  if (n_letters == 0 || n_letters > 10 || *p != '-' || !g_ascii_isdigit (p[1]))
    return NULL;
  for (p++; *p; p++)
    if (!g_ascii_isdigit (*p) && *p != '-')
      return NULL;

  return g_ascii_strup (trimmed, -1);
}

/* What @text searches for: a reference range (*@ref_low, *@ref_high), or a full-text query
 * (*@query), or nothing. */
static void
parse_search_text (const char  *text,
                   char       **query,
                   char       **ref_low,
                   char       **ref_high)
{
  /* A reference, or the start of one ("TB-2026-00"), is a range of the reference index: the
   * words of a reference ("tb", "2026") stand in every case, so as a phrase search it would be
   * the slowest there is. */
  *ref_low = text != NULL ? ref_prefix (text) : NULL;
  *ref_high = NULL;
  *query = NULL;
  if (*ref_low != NULL)
    {
      gsize len = strlen (*ref_low);

      *ref_high = g_strdup (*ref_low);
      (*ref_high)[len - 1]++;  /* ASCII, and never 0x7f: see ref_prefix() */
    }
  else if (text != NULL)
    {
      /* Typing a space or punctuation changes the text but not the query. */
      *query = tb_fts_build_query (text);
    }
}

static void
set_search_text (TbCaseList *self,
                 const char *text)
{
  g_autofree char *query = NULL;
  g_autofree char *ref_low = NULL;
  g_autofree char *ref_high = NULL;

  if (g_strcmp0 (self->search_text, text) == 0)
    return;

  g_free (self->search_text);
  self->search_text = g_strdup (text);

  parse_search_text (text, &query, &ref_low, &ref_high);
  if (g_strcmp0 (query, self->text_query) != 0 || g_strcmp0 (ref_low, self->ref_low) != 0)
    {
      g_free (self->text_query);
      self->text_query = g_steal_pointer (&query);
      g_free (self->ref_low);
      self->ref_low = g_steal_pointer (&ref_low);
      g_free (self->ref_high);
      self->ref_high = g_steal_pointer (&ref_high);
      reload (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_TEXT]);
}

/* Whatever search is under way was set before the one now being set: it is not applied. */
static void
supersede_search (TbCaseList *self)
{
  self->search_serial++;
  if (self->search_read != NULL)
    g_cancellable_cancel (self->search_read);
  g_clear_object (&self->search_read);
}

/**
 * tb_case_list_set_search_text:
 * @self: a case list
 * @text: (nullable): free text to search reference, applicant, company and form for
 *
 * Searches at once, on this thread. A search set earlier with
 * tb_case_list_set_search_text_async() and not yet applied is given up.
 */
void
tb_case_list_set_search_text (TbCaseList *self,
                              const char *text)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));

  supersede_search (self);
  set_search_text (self, text);
}

typedef struct
{
  char   *text;
  char   *fts_query;
  guint   serial;        /* the list's search_serial when the search was set */
  guint   changes_seen;  /* and its changes_seen */
  GCancellable *caller;  /* (nullable) the caller's cancellable, and */
  gulong  caller_handler;  /* its handler cancelling the read */
} SearchOp;

static void
search_op_free (gpointer data)
{
  SearchOp *op = data;

  g_free (op->text);
  g_free (op->fts_query);
  if (op->caller != NULL)
    g_cancellable_disconnect (op->caller, op->caller_handler);
  g_clear_object (&op->caller);
  g_free (op);
}

static void
cancel_read (GCancellable *caller,
             GCancellable *read)
{
  g_cancellable_cancel (read);
}

static void
on_search_read (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TbCaseList *self = g_task_get_source_object (task);
  SearchOp *op = g_task_get_task_data (task);
  g_autoptr(GArray) matches = NULL;
  g_autoptr(GError) error = NULL;

  matches = _tb_store_read_matches_finish (TB_STORE (object), result, &error);

  if (op->serial != self->search_serial)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "A later search was set before this one was read");
      return;
    }
  g_clear_object (&self->search_read);
  if (g_task_return_error_if_cancelled (task))
    return;

  /* Applied with the matches read unless the cases changed since (the read may have seen the
   * store before that change) or the read failed: then they are read again, here, and a
   * failure is the list's error as for any other query. */
  if (matches != NULL && op->changes_seen == self->changes_seen)
    {
      g_clear_pointer (&self->read_ahead, g_array_unref);
      self->read_ahead = g_steal_pointer (&matches);
      g_free (self->read_ahead_query);
      self->read_ahead_query = g_strdup (op->fts_query);
    }
  set_search_text (self, op->text);
  g_clear_pointer (&self->read_ahead, g_array_unref);
  g_clear_pointer (&self->read_ahead_query, g_free);

  g_task_return_boolean (task, TRUE);
}

/**
 * tb_case_list_set_search_text_async:
 * @self: a case list
 * @text: (nullable): free text to search reference, applicant, company and form for
 * @cancellable: (nullable): gives the search up
 * @callback: called once the list shows the search, or the search was given up
 * @user_data: for @callback
 *
 * Searches as tb_case_list_set_search_text() does, but reads the cases a text matches, the
 * longest part of a search over many cases, on a worker thread: the caller's thread stays free
 * for the user's next keystroke meanwhile. Until @callback runs the list shows what it showed
 * before, and #TbCaseList:search-text is unchanged.
 *
 * Setting the search text again, either way, before this one is applied gives this one up: its
 * read is interrupted and it finishes with %G_IO_ERROR_CANCELLED.
 */
void
tb_case_list_set_search_text_async (TbCaseList          *self,
                                    const char          *text,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *query = NULL;
  g_autofree char *ref_low = NULL;
  g_autofree char *ref_high = NULL;
  SearchOp *op;

  g_return_if_fail (TB_IS_CASE_LIST (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tb_case_list_set_search_text_async);
  supersede_search (self);

  /* Only a new text query reads matches; anything else is quick, and done here. */
  parse_search_text (text, &query, &ref_low, &ref_high);
  if (self->store == NULL || query == NULL || g_strcmp0 (query, self->text_query) == 0
      || text_finds_all (self, query))
    {
      set_search_text (self, text);
      g_task_return_boolean (task, TRUE);
      return;
    }

  op = g_new0 (SearchOp, 1);
  op->text = g_strdup (text);
  op->fts_query = g_steal_pointer (&query);
  op->serial = self->search_serial;
  op->changes_seen = self->changes_seen;
  g_task_set_task_data (task, op, search_op_free);

  self->search_read = g_cancellable_new ();
  if (cancellable != NULL)
    {
      op->caller = g_object_ref (cancellable);
      op->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_read),
                                                  g_object_ref (self->search_read),
                                                  g_object_unref);
    }
  _tb_store_read_matches_async (self->store, op->fts_query, self->search_read, on_search_read,
                                g_steal_pointer (&task));
}

/**
 * tb_case_list_set_search_text_finish:
 * @self: a case list
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE once the list shows the search; %FALSE with %G_IO_ERROR_CANCELLED if it was
 *   given up. (A query that fails is the list's error, see tb_case_list_get_error().)
 */
gboolean
tb_case_list_set_search_text_finish (TbCaseList    *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tb_case_list_get_search_text:
 * @self: a case list
 *
 * Returns: (nullable): the search text
 */
const char *
tb_case_list_get_search_text (TbCaseList *self)
{
  g_return_val_if_fail (TB_IS_CASE_LIST (self), NULL);
  return self->search_text;
}

/**
 * tb_case_list_set_sort:
 * @self: a case list
 * @sort: the order
 * @descending: whether to reverse it
 */
void
tb_case_list_set_sort (TbCaseList *self,
                       TbCaseSort  sort,
                       gboolean    descending)
{
  gboolean sort_changed, descending_changed;

  g_return_if_fail (TB_IS_CASE_LIST (self));

  descending = !!descending;
  sort_changed = self->sort != sort;
  descending_changed = self->descending != descending;
  if (!sort_changed && !descending_changed)
    return;

  self->sort = sort;
  self->descending = descending;
  reload (self);

  if (sort_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT]);
  if (descending_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCENDING]);
}

/**
 * tb_case_list_set_today:
 * @self: a case list
 * @today: the day the due and overdue filters count from
 *
 * The list starts with the local date; tests and a view that crosses midnight set it.
 */
void
tb_case_list_set_today (TbCaseList *self,
                        TbDay       today)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));
  g_return_if_fail (today != TB_DAY_INVALID);

  if (self->today == today)
    return;
  self->today = today;
  if (self->overdue || self->due_within >= 0)
    reload (self);
}

/**
 * tb_case_list_set_calendar:
 * @self: a case list
 * @calendar: (nullable): the calendar for the due filter; %NULL to use the store's
 */
void
tb_case_list_set_calendar (TbCaseList *self,
                           TbCalendar *calendar)
{
  g_return_if_fail (TB_IS_CASE_LIST (self));

  if (self->calendar == calendar)
    return;
  g_clear_pointer (&self->calendar, tb_calendar_unref);
  if (calendar != NULL)
    self->calendar = tb_calendar_ref (calendar);
  if (self->due_within >= 0)
    reload (self);
}

/**
 * tb_case_list_get_error:
 * @self: a case list
 *
 * Returns: (nullable): why the last query failed, or %NULL
 */
const GError *
tb_case_list_get_error (TbCaseList *self)
{
  g_return_val_if_fail (TB_IS_CASE_LIST (self), NULL);
  return self->error;
}
