/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-fts.c: the full-text tokenizer for Chinese and Latin text, and query building */

#include "config.h"

#include <string.h>

#include "tb-fts.h"

/*
 * The `tb_cjk` FTS5 tokenizer.
 *
 * Chinese is written without spaces, so a word cannot be found by splitting on them, and SQLite's
 * unicode61 tokenizer turns a whole sentence into one token. The trigram tokenizer cannot match
 * fewer than three characters, but two-character names (王芳) and words (营业) are the most common
 * searches. So a run of CJK characters is indexed as overlapping bigrams (营业执照 → 营业 业执 执照),
 * each at consecutive positions, so a longer query becomes a phrase of bigrams that must be adjacent.
 * The last character of every run is also indexed on its own, so that a one-character query
 * (as a prefix query) finds every character, wherever it stands.
 *
 * Runs of letters and digits in any other script become one token each, NFKC-normalised (so
 * full-width "ＡＢＣ１２３" matches "abc123") and case-folded. Everything else separates tokens,
 * so "TB-2026-000123" is "tb" "2026" "000123" and a reference prefix is a phrase prefix query.
 */

typedef enum
{
  CHAR_SEPARATOR,
  CHAR_WORD,
  CHAR_CJK,
} CharClass;

static CharClass
classify (gunichar c)
{
  if (c < 0x80)
    return g_ascii_isalnum (c) ? CHAR_WORD : CHAR_SEPARATOR;

  if ((c >= 0x4E00 && c <= 0x9FFF)     /* CJK Unified Ideographs */
      || (c >= 0x3400 && c <= 0x4DBF)  /* Extension A */
      || (c >= 0x20000 && c <= 0x323AF) /* Extensions B–H */
      || (c >= 0xF900 && c <= 0xFAFF)  /* Compatibility Ideographs */
      || (c >= 0x3040 && c <= 0x30FF)  /* Hiragana, Katakana */
      || (c >= 0xAC00 && c <= 0xD7AF)  /* Hangul syllables */
      || c == 0x3007)                  /* 〇, as in 二〇二六 */
    return CHAR_CJK;

  if (g_unichar_isalnum (c) || g_unichar_ismark (c))
    return CHAR_WORD;

  return CHAR_SEPARATOR;
}

typedef int (*TokenFunc) (void       *ctx,
                          int         tflags,
                          const char *token,
                          int         n_token,
                          int         start,
                          int         end);

/*
 * The character at @p (before @end) and, in @len, the bytes it takes; (gunichar) -1 and one byte
 * for invalid UTF-8. The same answers as g_utf8_get_char_validated(), with ASCII and the
 * three-byte sequences of Chinese decoded inline: this runs for every byte the index takes in.
 */
static inline gunichar
decode_char (const char *p,
             const char *end,
             int        *len)
{
  guchar c = (guchar) p[0];
  gunichar u;

  if (c < 0x80)
    {
      *len = 1;
      return c != 0 ? c : (gunichar) -1;
    }

  if ((c & 0xF0) == 0xE0 && end - p >= 3)
    {
      guchar c1 = (guchar) p[1];
      guchar c2 = (guchar) p[2];

      u = ((gunichar) (c & 0x0F) << 12) | ((gunichar) (c1 & 0x3F) << 6) | (c2 & 0x3F);
      if ((c1 & 0xC0) == 0x80 && (c2 & 0xC0) == 0x80 && u >= 0x800
          && (u < 0xD800 || u > 0xDFFF))
        {
          *len = 3;
          return u;
        }
      *len = 1;
      return (gunichar) -1;
    }

  u = g_utf8_get_char_validated (p, end - p);
  if (u == (gunichar) -1 || u == (gunichar) -2)
    {
      *len = 1;
      return (gunichar) -1;
    }
  *len = g_utf8_skip[c];
  return u;
}

/* Returns an SQLite status; stops at the first non-OK answer from @emit. */
static int
tokenize (const char *text,
          int         n_text,
          gboolean    for_query,
          TokenFunc   emit,
          void       *ctx)
{
  const char *p = text;
  const char *end = text + n_text;
  char buf[256];

  while (p < end)
    {
      int n;
      gunichar c = decode_char (p, end, &n);
      CharClass klass;

      if (c == (gunichar) -1)
        {
          p++;  /* Invalid UTF-8: skip a byte, treat as a separator. */
          continue;
        }

      klass = classify (c);

      if (klass == CHAR_SEPARATOR)
        {
          p += n;
          continue;
        }

      if (klass == CHAR_WORD)
        {
          const char *start = p;
          gboolean ascii = TRUE;
          int rc;

          while (p < end)
            {
              gunichar d = decode_char (p, end, &n);

              if (d == (gunichar) -1 || classify (d) != CHAR_WORD)
                break;
              if (d >= 0x80)
                ascii = FALSE;
              p += n;
            }

          if (ascii && (p - start) < (gssize) sizeof buf)
            {
              gsize len = p - start;
              for (gsize i = 0; i < len; i++)
                buf[i] = g_ascii_tolower (start[i]);
              rc = emit (ctx, 0, buf, len, start - text, p - text);
            }
          else
            {
              g_autofree char *norm = g_utf8_normalize (start, p - start, G_NORMALIZE_NFKC);
              g_autofree char *folded = norm ? g_utf8_casefold (norm, -1)
                                             : g_strndup (start, p - start);
              rc = emit (ctx, 0, folded, strlen (folded), start - text, p - text);
            }
          if (rc != SQLITE_OK)
            return rc;
          continue;
        }

      /* A run of CJK characters. */
      {
        const char *prev = NULL;
        guint n_chars = 0;
        int rc;

        while (p < end)
          {
            gunichar d = decode_char (p, end, &n);
            const char *after;

            if (d == (gunichar) -1 || classify (d) != CHAR_CJK)
              break;

            after = p + n;
            if (prev != NULL)
              {
                rc = emit (ctx, 0, prev, after - prev, prev - text, after - text);
                if (rc != SQLITE_OK)
                  return rc;
              }
            prev = p;
            p = after;
            n_chars++;
          }

        /* The last character alone: always in the index, in a query only when it is all there
         * is (a query's trailing unigram would demand that the match end a run). */
        if (!for_query || n_chars == 1)
          {
            rc = emit (ctx, 0, prev, p - prev, prev - text, p - text);
            if (rc != SQLITE_OK)
              return rc;
          }
      }
    }

  return SQLITE_OK;
}

typedef struct
{
  int unused;
} TbCjkTokenizer;

static int
tb_cjk_create (void              *user_data,
               const char       **args,
               int                n_args,
               Fts5Tokenizer    **out)
{
  *out = (Fts5Tokenizer *) g_new0 (TbCjkTokenizer, 1);
  return SQLITE_OK;
}

static void
tb_cjk_delete (Fts5Tokenizer *tokenizer)
{
  g_free (tokenizer);
}

static int
tb_cjk_tokenize (Fts5Tokenizer *tokenizer,
                 void          *ctx,
                 int            flags,
                 const char    *text,
                 int            n_text,
                 TokenFunc      emit)
{
  gboolean for_query = (flags & FTS5_TOKENIZE_QUERY) != 0;

  if (text == NULL || n_text <= 0)
    return SQLITE_OK;

  return tokenize (text, n_text, for_query, emit, ctx);
}

/*
 * tb_form_text(form): the string values of a form's JSON, joined by spaces, for the full-text
 * index. Keys are left out. It must be deterministic: the index's delete triggers call it on the
 * old row and must get exactly what the insert got. A hand-written scan, because it runs for every
 * case written and a JSON tree for each would cost more than all the rest of the insert.
 * The input is always valid JSON (a CHECK constraint on the column), so the scan may be simple.
 */
static const char *
scan_string (const char *p,
             const char *end,
             GString    *out)
{
  /* p is just past the opening quote. */
  while (p < end && *p != '"')
    {
      if (*p != '\\')
        {
          /* Up to the closing quote or the next escape, with memchr() (vectorised): the scan
           * reads every byte of every form the index takes in. */
          const char *run = p;
          const char *quote = memchr (p, '"', end - p);
          const char *escape;

          p = quote != NULL ? quote : end;
          escape = memchr (run, '\\', p - run);
          if (escape != NULL)
            p = escape;
          if (out != NULL)
            g_string_append_len (out, run, p - run);
          continue;
        }

      p++;
      if (p >= end)
        break;

      if (*p == 'u' && end - p >= 5)
        {
          gunichar c = 0;
          gboolean ok = TRUE;

          for (int k = 1; k <= 4; k++)
            {
              int v = g_ascii_xdigit_value (p[k]);
              ok = ok && v >= 0;
              c = (c << 4) | (v & 0xf);
            }
          p += 5;
          /* A surrogate pair spells one character beyond the BMP. */
          if (ok && c >= 0xD800 && c <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u')
            {
              gunichar lo = 0;
              for (int k = 2; k <= 5; k++)
                lo = (lo << 4) | (g_ascii_xdigit_value (p[k]) & 0xf);
              if (lo >= 0xDC00 && lo <= 0xDFFF)
                {
                  c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                  p += 6;
                }
            }
          if (out != NULL && ok && g_unichar_validate (c))
            g_string_append_unichar (out, c);
          else if (out != NULL)
            g_string_append_c (out, ' ');
          continue;
        }

      if (out != NULL)
        {
          switch (*p)
            {
            case 'n': case 'r': case 't': case 'b': case 'f':
              g_string_append_c (out, ' ');
              break;
            default:
              g_string_append_c (out, *p);  /* \" \\ \/ */
              break;
            }
        }
      p++;
    }

  return p < end ? p + 1 : end;
}

static void
form_text_func (sqlite3_context *ctx,
                int              argc,
                sqlite3_value  **argv)
{
  const char *p = (const char *) sqlite3_value_text (argv[0]);
  const char *end;
  GString *out;

  if (p == NULL)
    {
      sqlite3_result_null (ctx);
      return;
    }

  end = p + sqlite3_value_bytes (argv[0]);
  out = g_string_sized_new (128);

  while (p < end)
    {
      if (*p != '"')
        {
          p++;
          continue;
        }

      {
        gsize mark = out->len;
        const char *q;

        if (mark > 0)
          g_string_append_c (out, ' ');
        p = scan_string (p + 1, end, out);

        /* A string followed by a colon was a key: take it back. */
        for (q = p; q < end && g_ascii_isspace (*q); q++)
          ;
        if (q < end && *q == ':')
          g_string_truncate (out, mark);
      }
    }

  sqlite3_result_text (ctx, out->str, out->len, g_free);
  g_string_free (out, FALSE);
}

/*
 * tb_search_text(ref, applicant, company, form): the one text of a case that the full-text index
 * holds (schema version 5 on, see 0005-search-text.sql): the reference, the applicant, the company
 * and the string values of the form, but of the form not:
 *
 *  - attachments: an object in an array with a "name" and a "size", "content_type" or "sha256"
 *    (the attachment value, data/catalogue/README.md). Their names are the standard material
 *    names, the same in every case of a service: they matched everything, and were nearly half
 *    of all the tokens;
 *  - resident ID numbers and mobile phone numbers: personal data the inbox masks, each a token of
 *    its own that no search of the inbox needs;
 *  - values equal to the applicant or the company, which are in the text already (a match is of
 *    the whole row, whichever part holds the words).
 *
 * Deterministic, like tb_form_text(): the index's delete trigger calls it on the old row.
 */

#define SEARCH_MAX_DEPTH 32

enum
{
  MEMBER_NAME = 1 << 0,
  MEMBER_FILE = 1 << 1,  /* size, content_type or sha256 */
};

typedef struct
{
  gsize  mark;      /* out->len where the container started */
  guint8 is_object : 1;
  guint8 in_array : 1;
  guint8 members;
} Container;

static gboolean
is_id_number (const char *s,
              gsize       len)
{
  if (len != 18)
    return FALSE;
  for (gsize i = 0; i < 17; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return g_ascii_isdigit (s[17]) || s[17] == 'X' || s[17] == 'x';
}

/* 11 digits from 1, optionally after +86, with any spaces or hyphens. */
static gboolean
is_mobile_number (const char *s,
                  gsize       len)
{
  const char *end = s + len;
  guint n = 0;

  if (len < 11 || len > 20)
    return FALSE;
  if (memcmp (s, "+86", 3) == 0)
    s += 3;
  for (; s < end; s++)
    {
      if (g_ascii_isdigit (*s))
        {
          if (n == 0 && *s != '1')
            return FALSE;
          n++;
        }
      else if (*s != ' ' && *s != '-')
        return FALSE;
    }
  return n == 11;
}

static gboolean
same_text (const char *value,
           gsize       len,
           const char *column,
           gsize       column_len)
{
  return column_len > 0 && len == column_len && memcmp (value, column, len) == 0;
}

typedef struct
{
  const char *text;
  gsize       len;
} Span;

static Span
value_span (sqlite3_value *value)
{
  Span span = { (const char *) sqlite3_value_text (value), 0 };

  if (span.text != NULL)
    span.len = sqlite3_value_bytes (value);
  return span;
}

static void
append_span (GString *out,
             Span     span)
{
  if (span.len == 0)
    return;
  if (out->len > 0)
    g_string_append_c (out, ' ');
  g_string_append_len (out, span.text, span.len);
}

static void
append_form_values (GString    *out,
                    const char *p,
                    const char *end,
                    Span        applicant,
                    Span        company)
{
  Container stack[SEARCH_MAX_DEPTH];
  guint depth = 0;  /* may pass SEARCH_MAX_DEPTH: deeper containers are not looked into */
  gboolean expect_key = FALSE;

  while (p < end)
    {
      switch (*p)
        {
        case '{':
        case '[':
          if (depth < SEARCH_MAX_DEPTH)
            {
              Container *c = &stack[depth];

              c->mark = out->len;
              c->is_object = *p == '{';
              c->in_array = depth > 0 && !stack[depth - 1].is_object;
              c->members = 0;
            }
          depth++;
          expect_key = *p == '{';
          p++;
          break;

        case '}':
        case ']':
          if (depth > 0 && --depth < SEARCH_MAX_DEPTH)
            {
              Container *c = &stack[depth];

              if (c->is_object && c->in_array && (c->members & MEMBER_NAME)
                  && (c->members & MEMBER_FILE))
                g_string_truncate (out, c->mark);
            }
          expect_key = FALSE;
          p++;
          break;

        case ',':
          expect_key = depth > 0 && depth <= SEARCH_MAX_DEPTH && stack[depth - 1].is_object;
          p++;
          break;

        case '"':
          if (expect_key)
            {
              const char *key = p + 1;
              gsize key_len;

              p = scan_string (key, end, NULL);
              key_len = p - 1 - key;
              if (depth > 0 && depth <= SEARCH_MAX_DEPTH)
                {
                  Container *c = &stack[depth - 1];

                  if (key_len == 4 && memcmp (key, "name", 4) == 0)
                    c->members |= MEMBER_NAME;
                  else if ((key_len == 4 && memcmp (key, "size", 4) == 0)
                           || (key_len == 12 && memcmp (key, "content_type", 12) == 0)
                           || (key_len == 6 && memcmp (key, "sha256", 6) == 0))
                    c->members |= MEMBER_FILE;
                }
              expect_key = FALSE;
            }
          else
            {
              gsize mark = out->len;
              gsize start = mark > 0 ? mark + 1 : 0;
              const char *value;
              gsize len;

              if (mark > 0)
                g_string_append_c (out, ' ');
              p = scan_string (p + 1, end, out);
              value = out->str + start;
              len = out->len - start;
              if (len == 0 || is_id_number (value, len) || is_mobile_number (value, len)
                  || same_text (value, len, applicant.text, applicant.len)
                  || same_text (value, len, company.text, company.len))
                g_string_truncate (out, mark);
            }
          break;

        default:
          p++;
          break;
        }
    }
}

static void
search_text_func (sqlite3_context *ctx,
                  int              argc,
                  sqlite3_value  **argv)
{
  Span applicant = value_span (argv[1]);
  Span company = value_span (argv[2]);
  Span form = value_span (argv[3]);
  GString *out = g_string_sized_new (512);

  append_span (out, value_span (argv[0]));
  append_span (out, applicant);
  append_span (out, company);
  if (form.text != NULL)
    append_form_values (out, form.text, form.text + form.len, applicant, company);

  sqlite3_result_text (ctx, out->str, out->len, g_free);
  g_string_free (out, FALSE);
}

/*
 * tb_rowid_in(set, rowid): whether @rowid is in a sorted GArray of gint64 bound with
 * sqlite3_bind_pointer() as type TB_FTS_ROWID_SET. It lets a query walk an order's index and test
 * each row against a set of full-text matches read once, instead of materialising the matches
 * again inside SQLite.
 */
static void
rowid_in_func (sqlite3_context *ctx,
               int              argc,
               sqlite3_value  **argv)
{
  GArray *set = sqlite3_value_pointer (argv[0], TB_FTS_ROWID_SET);
  gint64 rowid = sqlite3_value_int64 (argv[1]);
  guint lo = 0;
  guint hi;

  if (set == NULL)
    {
      sqlite3_result_error (ctx, "tb_rowid_in: no rowid set bound", -1);
      return;
    }

  hi = set->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      gint64 v = g_array_index (set, gint64, mid);

      if (v == rowid)
        {
          sqlite3_result_int (ctx, 1);
          return;
        }
      if (v < rowid)
        lo = mid + 1;
      else
        hi = mid;
    }
  sqlite3_result_int (ctx, 0);
}

static fts5_api *
get_fts5_api (sqlite3 *db)
{
  fts5_api *api = NULL;
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT fts5(?1)", -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_pointer (stmt, 1, (void *) &api, "fts5_api_ptr", NULL);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);

  return api;
}

/**
 * tb_fts_register:
 * @db: an open connection
 *
 * Registers the `tb_cjk` FTS5 tokenizer and the tb_form_text() and tb_rowid_in() functions on
 * @db. Every connection that reads or writes the `cases` table must do this first.
 *
 * Returns: an SQLite status code
 */
int
tb_fts_register (sqlite3 *db)
{
  static fts5_tokenizer tokenizer = {
    tb_cjk_create,
    tb_cjk_delete,
    tb_cjk_tokenize,
  };
  fts5_api *api;
  int rc;

  g_return_val_if_fail (db != NULL, SQLITE_MISUSE);

  rc = sqlite3_create_function_v2 (db, "tb_form_text", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                   NULL, form_text_func, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return rc;

  rc = sqlite3_create_function_v2 (db, "tb_search_text", 4,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                   NULL, search_text_func, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return rc;

  /* Not deterministic: the answer depends on the bound set, not only on the arguments' values. */
  rc = sqlite3_create_function_v2 (db, "tb_rowid_in", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                   NULL, rowid_in_func, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return rc;

  api = get_fts5_api (db);
  if (api == NULL || api->iVersion < 2)
    return SQLITE_ERROR;

  return api->xCreateTokenizer (api, "tb_cjk", NULL, &tokenizer, NULL);
}

typedef struct
{
  void (*func) (const char *, gsize, gpointer);
  gpointer user_data;
} CollectData;

static int
collect_token (void       *ctx,
               int         tflags,
               const char *token,
               int         n_token,
               int         start,
               int         end)
{
  CollectData *data = ctx;

  data->func (token, n_token, data->user_data);
  return SQLITE_OK;
}

/**
 * tb_fts_tokenize:
 * @text: UTF-8 text
 * @for_query: tokenize as a query rather than as a document
 * @func: called with each token (not nul-terminated)
 * @user_data: for @func
 *
 * Splits @text exactly as the `tb_cjk` tokenizer does. For tests and diagnostics.
 */
void
tb_fts_tokenize (const char *text,
                 gboolean    for_query,
                 void      (*func) (const char *token,
                                    gsize       length,
                                    gpointer    user_data),
                 gpointer    user_data)
{
  CollectData data = { func, user_data };

  g_return_if_fail (text != NULL);
  g_return_if_fail (func != NULL);

  tokenize (text, strlen (text), for_query, collect_token, &data);
}

/*
 * The last token of a phrase is a prefix, so that "licen" finds "licence" and 王 finds 王芳 —
 * except in a run of two or more Chinese characters: it ends in a bigram, and no token is longer
 * than a bigram, so the prefix would find nothing more, while FTS5 reads a prefix query more
 * slowly (it merges the lists of every term in the range).
 */
static void
end_phrase (GString  *query,
            GString  *phrase,
            CharClass kind)
{
  if (kind != CHAR_SEPARATOR)
    {
      gboolean prefix = kind != CHAR_CJK || g_utf8_strlen (phrase->str, phrase->len) < 2;

      if (query->len > 0)
        g_string_append_c (query, ' ');
      g_string_append_c (query, '"');
      for (const char *p = phrase->str; *p; p++)
        {
          if (*p == '"')
            g_string_append_c (query, '"');
          g_string_append_c (query, *p);
        }
      g_string_append (query, prefix ? "\" *" : "\"");
    }
  g_string_truncate (phrase, 0);
}

/**
 * tb_fts_build_query:
 * @text: what the user typed
 *
 * Builds an FTS5 MATCH expression from free text. Every part must match: a run of Chinese
 * characters is one phrase (of bigrams), and a run of words joined by punctuation is another
 * ("TB-2026-00" keeps its parts adjacent). The last token of each phrase may be a prefix, so that
 * typing narrows the result as it goes, and one character (王) finds every name that holds it
 * (a longer Chinese phrase ends in a whole bigram, so it needs no prefix: see end_phrase()). The
 * user's text is always quoted, so FTS5 operators in it are taken literally.
 *
 * Returns: (transfer full) (nullable): the expression, or %NULL if @text holds nothing searchable
 */
char *
tb_fts_build_query (const char *text)
{
  g_autoptr(GString) query = NULL;
  g_autoptr(GString) phrase = NULL;
  CharClass kind = CHAR_SEPARATOR;
  gsize phrase_end = 0;  /* the phrase up to its last letter, digit or ideograph */

  g_return_val_if_fail (text != NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    return NULL;

  query = g_string_new (NULL);
  phrase = g_string_new (NULL);

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      CharClass klass = classify (c);

      if (klass == CHAR_SEPARATOR)
        {
          /* Punctuation inside a run of words keeps the phrase together; a space ends it. */
          if (kind == CHAR_WORD && !g_unichar_isspace (c))
            g_string_append_unichar (phrase, c);
          else
            {
              g_string_truncate (phrase, phrase_end);
              end_phrase (query, phrase, kind);
              kind = CHAR_SEPARATOR;
            }
          continue;
        }

      if (klass != kind && kind != CHAR_SEPARATOR)
        {
          g_string_truncate (phrase, phrase_end);
          end_phrase (query, phrase, kind);
        }
      kind = klass;
      g_string_append_unichar (phrase, c);
      phrase_end = phrase->len;
    }
  g_string_truncate (phrase, phrase_end);
  end_phrase (query, phrase, kind);

  if (query->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&query), FALSE);
}
