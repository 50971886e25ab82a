/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-bench-common.h: what the benchmarks share: the server child process, a blocking client */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define TB_BENCH_REQUEST_TIMEOUT 120   /* seconds: a stuck server fails a bench, never hangs it */

void         tb_bench_init               (const char  *name);
void         tb_bench_fail               (const char  *format,
                                          ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;
void         tb_bench_cleanup            (gboolean     failed);
const char  *tb_bench_get_dir            (void);
char        *tb_bench_find_server        (const char  *server_path);

double       tb_bench_now                (void);
double       tb_bench_own_cpu_s          (void);
double       tb_bench_percentile         (GArray      *samples,
                                          double       p);
gint64       tb_bench_status_kb          (const char  *pid,
                                          const char  *field);

void         tb_bench_prepare_database   (guint        n_cases,
                                          const char  *extra_sql);
void         tb_bench_start_server       (const char  *server_path);
const char  *tb_bench_get_base           (void);
double       tb_bench_server_peak_rss_mb (void);
gint64       tb_bench_server_status_kb   (const char  *field);
double       tb_bench_server_cpu_s       (void);

SoupSession *tb_bench_new_session        (void);
SoupMessage *tb_bench_new_message        (const char  *path,
                                          const char  *token,
                                          JsonNode    *body);
JsonObject  *tb_bench_parse_object       (GBytes      *bytes);
GBytes      *tb_bench_post_bytes         (SoupSession *session,
                                          const char  *path,
                                          const char  *token,
                                          JsonNode    *body,
                                          double      *wait_s);
JsonObject  *tb_bench_post               (SoupSession *session,
                                          const char  *path,
                                          const char  *token,
                                          JsonNode    *body,
                                          double      *wait_s,
                                          gsize       *received);
JsonObject  *tb_bench_sign_in            (SoupSession *session,
                                          const char  *login);
JsonNode    *tb_bench_pull_body          (const char  *client_id,
                                          const char  *cursor);

void         tb_bench_json_add_number    (GString     *json,
                                          const char  *name,
                                          double       value,
                                          int          decimals);
void         tb_bench_json_add_string    (GString     *json,
                                          const char  *name,
                                          const char  *value);

G_END_DECLS
