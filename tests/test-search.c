/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-search.c: full-text search in Chinese and English, and of reference prefixes */

#include "config.h"

#include <glib/gstdio.h>

#include "tb-fts.h"
#include "tb-store.h"

static char *tmpdir;

static void
collect (const char *token,
         gsize       length,
         gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strndup (token, length));
}

static char *
tokens (const char *text,
        gboolean    for_query)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  tb_fts_tokenize (text, for_query, collect, list);
  g_ptr_array_add (list, NULL);
  return g_strjoinv ("|", (char **) list->pdata);
}

static void
test_tokenizer (void)
{
  struct {
    const char *text;
    gboolean    for_query;
    const char *expected;
  } cases[] = {
    /* Bigrams at consecutive positions, and the run's last character alone. */
    { "营业执照", FALSE, "营业|业执|执照|照" },
    { "营业执照", TRUE, "营业|业执|执照" },
    { "王芳", FALSE, "王芳|芳" },
    { "王", FALSE, "王" },
    { "王", TRUE, "王" },
    /* Punctuation and spaces split runs. */
    { "王芳，李娜", FALSE, "王芳|芳|李娜|娜" },
    { "王芳　李娜", TRUE, "王芳|李娜" },
    /* Latin words are case-folded, references split at their dashes. */
    { "Business Licence", FALSE, "business|licence" },
    { "TB-2026-000123", FALSE, "tb|2026|000123" },
    /* Full-width letters and digits become their ASCII forms. */
    { "ＡＢＣ１２３", FALSE, "abc123" },
    /* Mixed scripts: a digit run, then Chinese. */
    { "3号楼502室", FALSE, "3|号楼|楼|502|室" },
    { "", FALSE, "" },
    { "——！？", FALSE, "" },
    /* Invalid UTF-8 is skipped, never read past. */
    { "ab\xff\xfe" "cd", FALSE, "ab|cd" },
    { "王\xed\xa0\x80芳", FALSE, "王|芳" },  /* an encoded surrogate */
    { "王\xe8\x8a", FALSE, "王" },             /* cut short at the end */
    { "王\xe8\x8a芳", FALSE, "王|芳" },        /* cut short in the middle */
    /* Beyond the Basic Multilingual Plane: CJK Extension B. */
    { "\xf0\xa0\x80\x80\xf0\xa0\x80\x81", FALSE,
      "\xf0\xa0\x80\x80\xf0\xa0\x80\x81|\xf0\xa0\x80\x81" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = tokens (cases[i].text, cases[i].for_query);
      g_assert_cmpstr (got, ==, cases[i].expected);
    }
}

static void
test_build_query (void)
{
  struct {
    const char *text;
    const char *expected;
  } cases[] = {
    /* Two or more Chinese characters end in a whole bigram: no prefix needed. One is a prefix. */
    { "王芳", "\"王芳\"" },
    { "王", "\"王\" *" },
    { "  王芳  licence ", "\"王芳\" \"licence\" *" },
    { "TB-2026-0001", "\"TB-2026-0001\" *" },
    /* A Chinese run and a Latin run in one word become two phrases. */
    { "3号楼", "\"3\" * \"号楼\"" },
    /* Quotes and FTS5 operators are taken literally. */
    { "say \"hi\" OR NOT", "\"say\" * \"hi\" * \"OR\" * \"NOT\" *" },
    { "a\"b", "\"a\"\"b\" *" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = tb_fts_build_query (cases[i].text);
      g_assert_cmpstr (got, ==, cases[i].expected);
    }

  g_assert_null (tb_fts_build_query (""));
  g_assert_null (tb_fts_build_query ("   "));
  g_assert_null (tb_fts_build_query ("-- ！"));
  g_assert_null (tb_fts_build_query ("\xff\xfe"));
}

typedef struct
{
  const char *id;
  const char *ref;
  const char *name;
  const char *company;
  const char *form;
} Fixture;

static const Fixture fixtures[] = {
  { "c01", "TB-2026-000101", "王芳", NULL,
    "{\"purpose\":\"申请社会保险关系转移\",\"address\":\"杭州市西湖区文三路90号\"}" },
  { "c02", "TB-2026-000102", "王芳芳", NULL, "{\"purpose\":\"养老保险\"}" },
  { "c03", "TB-2026-000103", "王小芳", NULL, "{\"purpose\":\"政府信息公开\"}" },
  { "c04", "TB-2026-000204", "李娜", "杭州青禾科技有限公司",
    "{\"scope\":\"软件开发；营业执照登记\",\"note\":\"Business licence renewal\"}" },
  { "c05", "TB-2026-000205", "张伟", "北京营业厅管理有限公司", "{\"scope\":\"通信服务\"}" },
  { "c06", "TB-2026-001106", "芳王", NULL, "{\"purpose\":\"Information disclosure\"}" },
  { "c07", "TB-2025-000101", "赵敏", NULL,
    "{\"rows\":[{\"name\":\"王芳\",\"share\":50}],\"purpose\":\"licences and permits\"}" },
  { "c08", "TB-2026-000108", "Smith John", NULL, "{\"purpose\":\"LICENCE transfer\"}" },
};

static TbStore *
open_fixture_store (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "search.db", NULL);
  g_autoptr(GError) error = NULL;
  TbStore *store;
  TbCaseRecord records[G_N_ELEMENTS (fixtures)];

  store = tb_store_open (path, &error);
  g_assert_no_error (error);

  if (tb_store_count_cases (store, NULL) > 0)
    return store;

  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      records[i] = (TbCaseRecord) {
        .id = fixtures[i].id,
        .ref = fixtures[i].ref,
        .service_id = "svc",
        .state = "received",
        .applicant_name = fixtures[i].name,
        .applicant_kind = fixtures[i].company ? "company" : "person",
        .company_name = fixtures[i].company,
        .received_on = tb_day_from_iso ("2026-11-02"),
        .deadline = tb_day_from_iso ("2026-11-30"),
        .version = 1,
        .form_json = fixtures[i].form,
      };
    }
  g_assert_true (tb_store_put_cases (store, records, G_N_ELEMENTS (records), &error));
  g_assert_no_error (error);

  return store;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static char *
search (TbStore    *store,
        const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = NULL;

  ids = tb_store_search_case_ids (store, text, 100, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ids);
  /* Sorted so that the expectations below read as sets. */
  g_ptr_array_sort (ids, compare_strings);
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (",", (char **) ids->pdata);
}

static void
test_search (void)
{
  g_autoptr(TbStore) store = open_fixture_store ();
  struct {
    const char *query;
    const char *expected;
  } cases[] = {
    /* A two-character name: exactly where the two stand together, in a name or the form. */
    { "王芳", "c01,c02,c07" },
    /* Longer: a phrase of bigrams. */
    { "王芳芳", "c02" },
    { "王小芳", "c03" },
    /* Reversed order is another name. */
    { "芳王", "c06" },
    /* A word inside a longer text, in the company name or the form. */
    { "营业", "c04,c05" },
    { "营业执照", "c04" },
    { "社会保险", "c01" },
    { "西湖区", "c01" },
    /* One character finds every case that holds it, at any position in a run. */
    { "芳", "c01,c02,c03,c06,c07" },
    { "娜", "c04" },
    /* English words, any case; the last word of the query is a prefix. */
    { "licence", "c04,c07,c08" },
    { "LICENCE transfer", "c08" },
    { "disclosure", "c06" },
    { "smith", "c08" },
    /* Reference numbers and their prefixes. */
    { "TB-2026-000101", "c01" },
    { "TB-2026-0001", "c01,c02,c03,c08" },
    { "TB-2026-000", "c01,c02,c03,c04,c05,c08" },
    { "TB-2025", "c07" },
    { "000204", "c04" },
    /* Several words must all match. */
    { "王芳 养老", "c02" },
    { "杭州 licence", "c04" },
    /* No false hits. */
    { "王五", "" },
    { "执照营业", "" },
    { "licencing", "" },
    { "TB-2027", "" },
    { "NOT", "" },
    /* Nothing searchable: nothing found, no error. */
    { "——", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = search (store, cases[i].query);
      if (g_strcmp0 (got, cases[i].expected) != 0)
        g_error ("search “%s”: expected “%s”, got “%s”",
                 cases[i].query, cases[i].expected, got);
    }
}

static void
test_search_follows_updates (void)
{
  g_autoptr(TbStore) store = open_fixture_store ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCase) before = tb_store_get_case (store, "c05", &error);
  TbCaseRecord r = {
    .id = "c05",
    .ref = "TB-2026-000205",
    .service_id = "svc",
    .state = "accepted",
    .applicant_name = "张伟",
    .applicant_kind = "company",
    .company_name = "北京青松贸易有限公司",
    .received_on = tb_day_from_iso ("2026-11-02"),
    .deadline = tb_day_from_iso ("2026-11-30"),
    .version = 2,
    .form_json = "{\"scope\":\"食品销售\"}",
  };

  g_assert_no_error (error);
  g_assert_nonnull (before);

  /* The company was renamed: the old words no longer find it, the new ones do. */
  g_assert_true (tb_store_put_cases (store, &r, 1, &error));
  g_assert_no_error (error);
  {
    g_autofree char *old_name = search (store, "营业");
    g_autofree char *new_name = search (store, "青松");
    g_autofree char *new_form = search (store, "食品");
    g_autofree char *old_form = search (store, "通信");
    g_assert_cmpstr (old_name, ==, "c04");
    g_assert_cmpstr (new_name, ==, "c05");
    g_assert_cmpstr (new_form, ==, "c05");
    g_assert_cmpstr (old_form, ==, "");
  }

  /* And back, so the other tests see the fixture as it was. */
  r.company_name = "北京营业厅管理有限公司";
  r.form_json = "{\"scope\":\"通信服务\"}";
  r.version = 3;
  g_assert_true (tb_store_put_cases (store, &r, 1, &error));
  {
    g_autofree char *again = search (store, "营业");
    g_assert_cmpstr (again, ==, "c04,c05");
  }
}

/* What of a case the index holds (tb_search_text(), 0005-search-text.sql). */
static void
test_search_indexed_text (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "indexed.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbStore) store = NULL;
  TbCaseRecord base = {
    .service_id = "svc",
    .state = "received",
    .applicant_kind = "company",
    .received_on = tb_day_from_iso ("2026-11-02"),
    .version = 1,
  };
  TbCaseRecord records[3];
  struct {
    const char *query;
    const char *expected;
  } cases[] = {
    /* Form values, the applicant and the company, also where the form repeats them. */
    { "蔬菜", "d01" },
    { "云帆", "d01" },
    { "陈静", "d01" },
    { "已核实", "d01" },
    /* A table row with a "name" is no attachment: its values are found. */
    { "唐海燕", "d01" },
    /* Attachments are not: their names, types and digests. */
    { "公司章程", "" },
    { "住所", "" },
    { "application", "" },
    /* Nor resident ID numbers and mobile numbers given as the whole of a value… */
    { "34010419800101123X", "" },
    { "320102199604194939", "" },
    { "0013", "" },
    /* …while a number inside a longer text stays. */
    { "13800138000", "d01" },
    /* "name" and "size" at the top of a form are fields, not an attachment. */
    { "工程项目", "d02" },
    /* A file without size, type or digest cannot be told from a table row: kept. */
    { "副本", "d03" },
  };

  store = tb_store_open (path, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    records[i] = base;
  records[0].id = "d01";
  records[0].ref = "TB-2026-000301";
  records[0].applicant_name = "陈静";
  records[0].company_name = "合肥云帆农业开发股份有限公司";
  records[0].form_json =
    "{\"company_name\":\"合肥云帆农业开发股份有限公司\",\"legal_rep_name\":\"陈静\","
    "\"legal_rep_id_number\":\"34010419800101123X\",\"legal_rep_phone\":\"+86 138-0013-8000\","
    "\"business_scope\":\"蔬菜种植\",\"attachments\":[{\"name\":\"公司章程.pdf\",\"size\":1956864},"
    "{\"name\":\"住所使用证明.pdf\",\"content_type\":\"application/pdf\",\"sha256\":\"ab12\"}],"
    "\"shareholders\":[{\"name\":\"唐海燕\",\"id_number\":\"320102199604194939\","
    "\"share_percent\":12}],\"notes\":\"电话 13800138000 已核实\"}";
  records[1].id = "d02";
  records[1].ref = "TB-2026-000302";
  records[1].applicant_name = "刘洋";
  records[1].form_json = "{\"name\":\"工程项目甲\",\"size\":5}";
  records[2].id = "d03";
  records[2].ref = "TB-2026-000303";
  records[2].applicant_name = "周敏";
  records[2].form_json = "{\"files\":[{\"name\":\"营业执照副本.pdf\"}]}";
  g_assert_true (tb_store_put_cases (store, records, G_N_ELEMENTS (records), &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = search (store, cases[i].query);
      if (g_strcmp0 (got, cases[i].expected) != 0)
        g_error ("search “%s”: expected “%s”, got “%s”",
                 cases[i].query, cases[i].expected, got);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  tmpdir = g_dir_make_tmp ("tongban-test-search-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/search/tokenizer", test_tokenizer);
  g_test_add_func ("/search/build-query", test_build_query);
  g_test_add_func ("/search/store", test_search);
  g_test_add_func ("/search/indexed-text", test_search_indexed_text);
  g_test_add_func ("/search/follows-updates", test_search_follows_updates);

  ret = g_test_run ();

  if (ret == 0)
    {
      const char *rm[] = { "rm", "-rf", tmpdir, NULL };
      g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL);
    }
  return ret;
}
