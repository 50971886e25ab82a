/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-calendar.h: working-day arithmetic over the official calendars */

#pragma once

#include "tb-types.h"

G_BEGIN_DECLS

/*
 * Dates are Julian day numbers as GDate counts them (1 = 0001-01-01, a Monday), so that
 * arithmetic and comparisons are plain integer operations and a date fits in a SQLite INTEGER
 * if needed. On disk and on the wire dates are ISO 8601 strings ("2026-02-14"). Only years
 * 0001 to 9999 are representable, so that every day has a four-digit ISO form.
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

/*
 * TbCalendar: which days are working days.
 *
 * By default Monday to Friday are working days and Saturday and Sunday are off. On top of that
 * the calendar keeps "special days" taken from the State Council's yearly arrangements
 * (holiday-cn JSON, see data/calendar/holiday-cn/README.md): a special day is either off
 * (a statutory holiday, even on a weekday) or a working day (调休, a make-up working day, even
 * on a weekend). A special day always wins over the weekday rule.
 *
 * The reference count is atomic, so a calendar may be shared between threads; all the
 * read-only functions may then run concurrently, but the functions that change it must not
 * run while another thread uses it.
 *
 * Deadlines follow the statutory rule "within N working days of receipt": the day of receipt
 * is never counted, the first day that counts is the next working day.
 *
 * - add_working_days (start, n): the working day d > start with exactly n working days in
 *   (start, d]; n = 0 gives start. subtract_working_days is the mirror: the working day
 *   d < start with exactly n working days in [d, start).
 * - count_working_days (from, to, pauses): the working days in (from, to], 0 if to <= from,
 *   minus those inside any pause (closed intervals, which may overlap: a day counts once).
 *   count (s, add (s, n)) == n always.
 * - load_holiday_cn: one holiday-cn year, {"year":2026,"days":[{"name":"春节",
 *   "date":"2026-02-15","isOffDay":true},…]}; all or nothing, G_IO_ERROR_INVALID_DATA on bad
 *   input. has_year (y) is TRUE once a year with a non-empty list of days was loaded (an empty
 *   list means "not published yet"); set_day never marks a year, set_has_year does.
 * - tb_day_from_iso accepts exactly "YYYY-MM-DD" naming a real date, else TB_DAY_INVALID;
 *   NULL <-> TB_DAY_INVALID in both directions so that NULL columns round-trip.
 */

#define TB_TYPE_CALENDAR (tb_calendar_get_type ())

GType       tb_calendar_get_type                (void) G_GNUC_CONST;
TbCalendar *tb_calendar_new                     (void);
TbCalendar *tb_calendar_ref                     (TbCalendar  *self);
void        tb_calendar_unref                   (TbCalendar  *self);
void        tb_calendar_set_day                 (TbCalendar  *self,
                                                 TbDay        day,
                                                 gboolean     is_off,
                                                 const char  *name);
const char *tb_calendar_get_day_name            (TbCalendar  *self,
                                                 TbDay        day);
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
void        tb_calendar_set_has_year            (TbCalendar  *self,
                                                 int          year,
                                                 gboolean     has_year);
GArray     *tb_calendar_list_years              (TbCalendar  *self);
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
