/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-calendar.h: working-day arithmetic over the official calendars */

#pragma once

#include "tb-types.h"

G_BEGIN_DECLS

/*
 * Dates are Julian day numbers as GDate counts them (1 = 0001-01-01), so that arithmetic and
 * comparisons are plain integer operations and a date fits in a SQLite INTEGER if needed.
 * On disk and on the wire dates are ISO 8601 strings ("2026-02-14").
 */
typedef guint32 TbDay;

#define TB_DAY_INVALID ((TbDay) 0)

/**
 * TbDayRange:
 * @first: first paused day (inclusive)
 * @last: last paused day (inclusive)
 *
 * A closed interval of days, used for clock pauses.
 */
typedef struct
{
  TbDay first;
  TbDay last;
} TbDayRange;

#define TB_TYPE_CALENDAR (tb_calendar_get_type ())

GType       tb_calendar_get_type                (void) G_GNUC_CONST;
TbCalendar *tb_calendar_new                     (void);
TbCalendar *tb_calendar_ref                     (TbCalendar  *self);
void        tb_calendar_unref                   (TbCalendar  *self);
void        tb_calendar_set_day                 (TbCalendar  *self,
                                                 TbDay        day,
                                                 gboolean     is_off,
                                                 const char  *name);
gboolean    tb_calendar_load_holiday_cn         (TbCalendar  *self,
                                                 const char  *json,
                                                 gssize       length,
                                                 GError     **error);
gboolean    tb_calendar_load_bundled            (TbCalendar  *self,
                                                 GError     **error);
gboolean    tb_calendar_is_working_day          (TbCalendar  *self,
                                                 TbDay        day);
gboolean    tb_calendar_has_year                (TbCalendar  *self,
                                                 int          year);
TbDay       tb_calendar_add_working_days        (TbCalendar  *self,
                                                 TbDay        start,
                                                 guint        n);
TbDay       tb_calendar_subtract_working_days   (TbCalendar  *self,
                                                 TbDay        start,
                                                 guint        n);
guint       tb_calendar_count_working_days      (TbCalendar  *self,
                                                 TbDay        from,
                                                 TbDay        to,
                                                 const TbDayRange *pauses,
                                                 guint        n_pauses);
void        tb_calendar_foreach_special_day     (TbCalendar  *self,
                                                 void       (*func) (TbDay       day,
                                                                     gboolean    is_off,
                                                                     const char *name,
                                                                     gpointer    user_data),
                                                 gpointer     user_data);

TbDay       tb_day_from_iso                     (const char  *iso);
char       *tb_day_to_iso                       (TbDay        day);
TbDay       tb_day_from_ymd                     (int          year,
                                                 int          month,
                                                 int          day);
TbDay       tb_day_today                        (void);
int         tb_day_get_year                     (TbDay        day);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbCalendar, tb_calendar_unref)

G_END_DECLS
