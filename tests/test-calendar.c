/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-calendar.c: working days against the official calendars, checked by hand */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "tb-calendar.h"

/*
 * The expected dates below were worked out by hand from data/calendar/holiday-cn/YYYY.json and
 * a printed calendar, never with the code under test. The 2026 arrangement, for reference
 * (weekday in brackets; "off" = statutory holiday, "work" = make-up working day):
 *
 *   元旦    01-01 (Thu) .. 01-03 (Sat) off, 01-04 (Sun) work
 *   春节    02-14 (Sat) work, 02-15 (Sun) .. 02-23 (Mon) off, 02-28 (Sat) work
 *   清明节  04-04 (Sat) .. 04-06 (Mon) off
 *   劳动节  05-01 (Fri) .. 05-05 (Tue) off, 05-09 (Sat) work
 *   端午节  06-19 (Fri) .. 06-21 (Sun) off
 *   国庆节  09-20 (Sun) work, 10-01 (Thu) .. 10-07 (Wed) off, 10-10 (Sat) work
 *   中秋节  09-25 (Fri) .. 09-27 (Sun) off
 *
 * 2027.json lists no days yet (the arrangement was not published when it was taken).
 */

static TbDay
day (const char *iso)
{
  TbDay result = tb_day_from_iso (iso);

  g_assert_cmpuint (result, !=, TB_DAY_INVALID);

  return result;
}

static TbCalendar *
bundled_calendar (void)
{
  g_autoptr(GError) error = NULL;
  TbCalendar *calendar = tb_calendar_new ();

  g_assert_true (tb_calendar_load_bundled (calendar, &error));
  g_assert_no_error (error);

  return calendar;
}

#define assert_day(actual, iso) \
  G_STMT_START { \
    g_autofree char *_actual = tb_day_to_iso (actual); \
    g_assert_cmpstr (_actual, ==, iso); \
  } G_STMT_END

static void
test_day_iso (void)
{
  g_autofree char *formatted = NULL;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  static const char * const rejected[] = {
    "", "2026", "2026-02", "2026-2-14", "2026-02-4", "26-02-14", "20260214", "2026/02/14",
    "2026-02-14 ", " 2026-02-14", "2026-02-14T00:00", "2026-02-14Z", "+2026-02-14",
    "2026-02-30", "2026-02-29", "2023-02-29", "2026-04-31", "2026-13-01", "2026-00-10",
    "2026-01-00", "2026-01-32", "0000-01-01", "abcd-ef-gh", "2026-0a-14", "２０２６-02-14",
    "-026-02-14",
  };

  /* Julian day numbers as GDate counts them are the proleptic Gregorian ordinals (Python's
   * date.toordinal ()): 0001-01-01 is 1 and 2026-02-14 is 739661. */
  g_assert_cmpuint (tb_day_from_iso ("0001-01-01"), ==, 1);
  g_assert_cmpuint (tb_day_from_iso ("2026-02-14"), ==, 739661);
  g_assert_cmpuint (tb_day_from_iso ("2026-02-15"), ==, 739662);
  g_assert_cmpuint (tb_day_from_iso ("2024-02-29"), ==, tb_day_from_iso ("2024-03-01") - 1);

  formatted = tb_day_to_iso (739661);
  g_assert_cmpstr (formatted, ==, "2026-02-14");
  first = tb_day_to_iso (1);
  g_assert_cmpstr (first, ==, "0001-01-01");
  last = tb_day_to_iso (tb_day_from_iso ("9999-12-31"));
  g_assert_cmpstr (last, ==, "9999-12-31");

  /* Round trip over a few leap and non-leap years, and across month ends. */
  for (TbDay d = day ("2023-12-25"); d <= day ("2024-03-05"); d++)
    {
      g_autofree char *iso = tb_day_to_iso (d);

      g_assert_cmpuint (tb_day_from_iso (iso), ==, d);
    }

  for (guint i = 0; i < G_N_ELEMENTS (rejected); i++)
    {
      g_test_message ("rejecting “%s”", rejected[i]);
      g_assert_cmpuint (tb_day_from_iso (rejected[i]), ==, TB_DAY_INVALID);
    }

  /* "No date" in both directions, for NULL database columns. */
  g_assert_cmpuint (tb_day_from_iso (NULL), ==, TB_DAY_INVALID);
  g_assert_null (tb_day_to_iso (TB_DAY_INVALID));
}

static void
test_day_ymd (void)
{
  GDate date;

  g_assert_cmpuint (tb_day_from_ymd (2026, 2, 14), ==, 739661);
  g_assert_cmpuint (tb_day_from_ymd (1, 1, 1), ==, 1);
  g_assert_cmpuint (tb_day_from_ymd (2024, 2, 29), !=, TB_DAY_INVALID);
  g_assert_cmpuint (tb_day_from_ymd (2026, 2, 29), ==, TB_DAY_INVALID);
  g_assert_cmpuint (tb_day_from_ymd (1900, 2, 29), ==, TB_DAY_INVALID);
  g_assert_cmpuint (tb_day_from_ymd (2000, 2, 29), !=, TB_DAY_INVALID);
  g_assert_cmpuint (tb_day_from_ymd (0, 1, 1), ==, TB_DAY_INVALID);
  g_assert_cmpuint (tb_day_from_ymd (10000, 1, 1), ==, TB_DAY_INVALID);
  g_assert_cmpuint (tb_day_from_ymd (2026, 0, 1), ==, TB_DAY_INVALID);
  g_assert_cmpuint (tb_day_from_ymd (2026, 13, 1), ==, TB_DAY_INVALID);
  g_assert_cmpuint (tb_day_from_ymd (2026, 1, 0), ==, TB_DAY_INVALID);
  g_assert_cmpuint (tb_day_from_ymd (2026, 1, -5), ==, TB_DAY_INVALID);

  g_assert_cmpint (tb_day_get_year (739661), ==, 2026);
  g_assert_cmpint (tb_day_get_year (day ("2026-12-31")), ==, 2026);
  g_assert_cmpint (tb_day_get_year (day ("2026-12-31") + 1), ==, 2027);
  g_assert_cmpint (tb_day_get_year (TB_DAY_INVALID), ==, 0);

  /* 2026-02-14 is a Saturday (GDate's own weekday, independent of the calendar code). */
  g_date_clear (&date, 1);
  g_date_set_julian (&date, tb_day_from_ymd (2026, 2, 14));
  g_assert_cmpint (g_date_get_weekday (&date), ==, G_DATE_SATURDAY);
}

static TbDay
local_date (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) g_date_time_get_day_of_month (now),
                  (GDateMonth) g_date_time_get_month (now),
                  (GDateYear) g_date_time_get_year (now));

  return g_date_get_julian (&date);
}

static void
test_day_today (void)
{
  /* Read the clock on both sides so that midnight cannot make the test flaky. */
  TbDay before = local_date ();
  TbDay today = tb_day_today ();
  TbDay after = local_date ();

  g_assert_true (today == before || today == after);
}

static void
test_boxed (void)
{
  g_autoptr(TbCalendar) calendar = tb_calendar_new ();
  TbCalendar *copy;

  g_assert_true (G_TYPE_IS_BOXED (TB_TYPE_CALENDAR));

  /* A boxed copy is a new reference to the same calendar, not a deep copy. */
  copy = g_boxed_copy (TB_TYPE_CALENDAR, calendar);
  g_assert_true (copy == calendar);
  tb_calendar_set_day (copy, day ("2030-02-04"), TRUE, NULL);
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2030-02-04")));
  g_boxed_free (TB_TYPE_CALENDAR, copy);

  g_assert_true (tb_calendar_ref (calendar) == calendar);
  tb_calendar_unref (calendar);
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2030-02-04")));
}

static void
test_plain_weeks (void)
{
  g_autoptr(TbCalendar) calendar = tb_calendar_new ();

  /* 2026-02-09 is a Monday. With no data loaded the Spring Festival is an ordinary week. */
  g_assert_true (tb_calendar_is_working_day (calendar, day ("2026-02-09")));
  g_assert_true (tb_calendar_is_working_day (calendar, day ("2026-02-13")));
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2026-02-14")));
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2026-02-15")));
  g_assert_true (tb_calendar_is_working_day (calendar, day ("2026-02-16")));
  g_assert_false (tb_calendar_has_year (calendar, 2026));

  /* Thu 02-12 + 3: Fri 13 (1), Mon 16 (2), Tue 17 (3). */
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-02-12"), 3), "2026-02-17");
  /* Sat 02-14 + 1: the weekend does not count, Mon 16. */
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-02-14"), 1), "2026-02-16");
  /* Four full weeks: Mon 02-09 + 20 = Mon 03-09. */
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-02-09"), 20), "2026-03-09");
  /* Mon 02-16 - 1 = Fri 02-13. */
  assert_day (tb_calendar_subtract_working_days (calendar, day ("2026-02-16"), 1), "2026-02-13");
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, day ("2026-02-09"),
                                                    day ("2026-03-09"), NULL, 0), ==, 20);
  /* The first day of the GDate era, 0001-01-01, is a Monday. */
  g_assert_true (tb_calendar_is_working_day (calendar, 1));
  g_assert_false (tb_calendar_is_working_day (calendar, 6));
  g_assert_false (tb_calendar_is_working_day (calendar, 7));
  g_assert_true (tb_calendar_is_working_day (calendar, 8));
}

static void
test_has_year (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();
  g_autoptr(GArray) years = NULL;

  for (int year = 2007; year <= 2026; year++)
    g_assert_true (tb_calendar_has_year (calendar, year));

  /* 2006 only has the make-up days for New Year 2007 (listed in 2007.json); 2027.json is
   * empty; 2030 is not bundled at all. */
  g_assert_false (tb_calendar_has_year (calendar, 2006));
  g_assert_false (tb_calendar_has_year (calendar, 2027));
  g_assert_false (tb_calendar_has_year (calendar, 2030));

  years = tb_calendar_list_years (calendar);
  g_assert_cmpuint (years->len, ==, 20);
  g_assert_cmpint (g_array_index (years, int, 0), ==, 2007);
  g_assert_cmpint (g_array_index (years, int, 19), ==, 2026);

  /* For a calendar rebuilt from the database. */
  tb_calendar_set_has_year (calendar, 2030, TRUE);
  g_assert_true (tb_calendar_has_year (calendar, 2030));
  tb_calendar_set_has_year (calendar, 2030, FALSE);
  g_assert_false (tb_calendar_has_year (calendar, 2030));
  tb_calendar_set_has_year (calendar, 2026, FALSE);
  g_assert_false (tb_calendar_has_year (calendar, 2026));
}

static void
test_spring_festival_2026 (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();

  g_assert_true (tb_calendar_is_working_day (calendar, day ("2026-02-13")));   /* Fri */
  g_assert_true (tb_calendar_is_working_day (calendar, day ("2026-02-14")));   /* Sat, work */
  for (TbDay d = day ("2026-02-15"); d <= day ("2026-02-23"); d++)
    g_assert_false (tb_calendar_is_working_day (calendar, d));
  g_assert_true (tb_calendar_is_working_day (calendar, day ("2026-02-24")));   /* Tue */
  g_assert_true (tb_calendar_is_working_day (calendar, day ("2026-02-28")));   /* Sat, work */
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2026-03-01")));  /* Sun */
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2026-02-07")));  /* plain Sat */

  g_assert_cmpstr (tb_calendar_get_day_name (calendar, day ("2026-02-14")), ==, "春节");
  g_assert_cmpstr (tb_calendar_get_day_name (calendar, day ("2026-02-17")), ==, "春节");
  g_assert_null (tb_calendar_get_day_name (calendar, day ("2026-02-24")));

  /* Thu 02-12 + 3: Fri 13 (1), Sat 14 work (2), 15..23 off, Tue 24 (3). */
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-02-12"), 3), "2026-02-24");
  /* Fri 02-13 + 1: the make-up Saturday 02-14. */
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-02-13"), 1), "2026-02-14");
  /* Received on the make-up Saturday 02-14 itself: + 1 jumps the whole holiday to Tue 24. */
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-02-14"), 1), "2026-02-24");
  /* Received during the holiday, Fri 02-20: 24 (1), 25 (2), 26 (3), 27 (4), Sat 28 work (5). */
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-02-20"), 5), "2026-02-28");
  /* ... and + 6: Sun 03-01 is off, Mon 03-02 (6). */
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-02-20"), 6), "2026-03-02");

  /* Mirror: [d, Tue 02-24) needs 3 working days: 23..15 off, Sat 14 (1), Fri 13 (2),
   * Thu 12 (3). */
  assert_day (tb_calendar_subtract_working_days (calendar, day ("2026-02-24"), 3),
              "2026-02-12");
  assert_day (tb_calendar_subtract_working_days (calendar, day ("2026-02-24"), 1),
              "2026-02-14");
  /* [d, Mon 03-02): Sun 01 off, Sat 28 (1), 27 (2), 26 (3), 25 (4), 24 (5), 23..15 off,
   * Sat 14 (6). */
  assert_day (tb_calendar_subtract_working_days (calendar, day ("2026-03-02"), 6),
              "2026-02-14");

  /* (02-12, 02-28]: 13, 14, 24, 25, 26, 27, 28 = 7. */
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, day ("2026-02-12"),
                                                    day ("2026-02-28"), NULL, 0), ==, 7);
  /* Entirely inside the holiday: (02-15, 02-23] has none. */
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, day ("2026-02-15"),
                                                    day ("2026-02-23"), NULL, 0), ==, 0);
}

static void
test_national_day_2026 (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();

  g_assert_true (tb_calendar_is_working_day (calendar, day ("2026-09-20")));   /* Sun, work */
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2026-09-25")));  /* Fri, 中秋 */
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2026-10-01")));  /* Thu */
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2026-10-07")));  /* Wed */
  g_assert_true (tb_calendar_is_working_day (calendar, day ("2026-10-08")));   /* Thu */
  g_assert_true (tb_calendar_is_working_day (calendar, day ("2026-10-10")));   /* Sat, work */
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2026-10-11")));  /* Sun */
  g_assert_cmpstr (tb_calendar_get_day_name (calendar, day ("2026-09-26")), ==, "中秋节");
  g_assert_cmpstr (tb_calendar_get_day_name (calendar, day ("2026-10-10")), ==, "国庆节");

  /* An information-disclosure request received Fri 2026-09-18, answered within 20 working
   * days: Sat 19 off; Sun 20 work (1); 21..24 (2-5); 25..27 中秋 off; 28..30 (6-8);
   * 10-01..07 off; Thu 08 (9), Fri 09 (10), Sat 10 work (11); Sun 11 off; 12..16 (12-16);
   * 17, 18 weekend; 19 (17), 20 (18), 21 (19), Thu 22 (20). */
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-09-18"), 20), "2026-10-22");
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, day ("2026-09-18"),
                                                    day ("2026-10-22"), NULL, 0), ==, 20);
  /* Up to the end of the holiday: 20, 21..24, 28..30 = 8. */
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, day ("2026-09-18"),
                                                    day ("2026-10-07"), NULL, 0), ==, 8);

  /* Mirror: [d, Thu 10-22) needs 20 working days: 21, 20, 19 (1-3); 16..12 (4-8);
   * Sat 10 work (9), 09 (10), 08 (11); 10-07..01 off; 09-30..28 (12-14); 27..25 off;
   * 24..21 (15-18); Sun 20 work (19); Sat 19 off; Fri 18 (20). */
  assert_day (tb_calendar_subtract_working_days (calendar, day ("2026-10-22"), 20),
              "2026-09-18");
}

static void
test_count_pauses (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();
  TbDay from = day ("2026-09-18");
  TbDay to = day ("2026-10-22");
  TbDayRange one[] = {
    /* Mon 28, Tue 29, Wed 30: 3 working days. */
    { day ("2026-09-28"), day ("2026-09-30") },
  };
  TbDayRange overlapping[] = {
    /* Together 09-28 .. 10-12: 28, 29, 30, 10-08, 10-09, Sat 10-10 work, Mon 10-12 = 7.
     * Counted separately they would be 5 + 4 = 9. */
    { day ("2026-10-08"), day ("2026-10-12") },
    { day ("2026-09-28"), day ("2026-10-09") },
  };
  TbDayRange nested[] = {
    { day ("2026-09-28"), day ("2026-10-12") },   /* 7, as above */
    { day ("2026-10-08"), day ("2026-10-09") },   /* inside the first */
  };
  TbDayRange outside[] = {
    /* Only Sat 19 and the make-up Sun 20 fall after the receipt day: 1 working day. */
    { day ("2026-09-01"), day ("2026-09-20") },
    /* Receipt day and before: never counted, so pausing them changes nothing. */
    { day ("2026-09-10"), day ("2026-09-18") },
    /* After the end: Fri 10-23 is not in (from, to]. */
    { day ("2026-10-23"), day ("2026-11-30") },
    /* Empty: last before first. */
    { day ("2026-10-20"), day ("2026-10-19") },
  };
  TbDayRange everything[] = {
    { day ("2026-01-01"), day ("2026-12-31") },
  };
  TbDayRange adjacent[] = {
    /* Tue 29 .. Thu 10-08 = 29, 30, 10-08 = 3; Fri 10-09 .. Mon 10-12 = 09, Sat 10, 12 = 3. */
    { day ("2026-10-09"), day ("2026-10-12") },
    { day ("2026-09-29"), day ("2026-10-08") },
  };

  g_assert_cmpuint (tb_calendar_count_working_days (calendar, from, to, one, 1), ==, 20 - 3);
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, from, to, overlapping, 2),
                    ==, 20 - 7);
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, from, to, nested, 2),
                    ==, 20 - 7);
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, from, to, outside, 4),
                    ==, 20 - 1);
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, from, to, everything, 1),
                    ==, 0);
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, from, to, adjacent, 2),
                    ==, 20 - 6);
  /* A pause over days off only costs nothing: 10-01 .. 10-07. */
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, from, to,
                                                    &(TbDayRange) { day ("2026-10-01"),
                                                                    day ("2026-10-07") },
                                                    1), ==, 20);
  /* The caller's array is not reordered. */
  g_assert_cmpuint (overlapping[0].first, ==, day ("2026-10-08"));
}

static void
test_year_boundary (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();

  /* 2027 has no arrangement yet, so New Year's Day 2027 is a plain Friday:
   * Thu 2026-12-31 + 1 = Fri 2027-01-01, + 2 = Mon 2027-01-04. */
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-12-31"), 1), "2027-01-01");
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-12-31"), 2), "2027-01-04");
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, day ("2026-12-30"),
                                                    day ("2027-01-04"), NULL, 0), ==, 3);

  /* With both years known: Tue 2024-12-31 + 1 skips 元旦 Wed 2025-01-01 to Thu 01-02. */
  assert_day (tb_calendar_add_working_days (calendar, day ("2024-12-31"), 1), "2025-01-02");
  assert_day (tb_calendar_subtract_working_days (calendar, day ("2025-01-02"), 1),
              "2024-12-31");

  /* 2008.json reaches back into 2007: Sat 2007-12-29 work, Sun 30 and Mon 31 off, and Tue
   * 2008-01-01 off. Fri 2007-12-28 + 1 = Sat 29; + 2 = Wed 2008-01-02. */
  assert_day (tb_calendar_add_working_days (calendar, day ("2007-12-28"), 1), "2007-12-29");
  assert_day (tb_calendar_add_working_days (calendar, day ("2007-12-28"), 2), "2008-01-02");
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2007-12-31")));
}

static void
test_year_without_data (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();
  g_autoptr(TbCalendar) plain = tb_calendar_new ();

  /* 2030-02-01 is a Friday (the real Spring Festival 2030 is around 02-03, but nothing is
   * loaded for 2030, so it is ordinary weeks): + 1 = Mon 02-04, + 5 = Fri 02-08. */
  assert_day (tb_calendar_add_working_days (calendar, day ("2030-02-01"), 1), "2030-02-04");
  assert_day (tb_calendar_add_working_days (calendar, day ("2030-02-01"), 5), "2030-02-08");
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2030-02-02")));
  g_assert_false (tb_calendar_has_year (calendar, 2030));

  /* And the whole of 2027 and 2030 agree with a calendar that knows nothing. */
  for (TbDay d = day ("2027-01-01"); d <= day ("2027-12-31"); d++)
    g_assert_cmpint (tb_calendar_is_working_day (calendar, d), ==,
                     tb_calendar_is_working_day (plain, d));
  for (TbDay d = day ("2030-01-01"); d <= day ("2030-12-31"); d++)
    g_assert_cmpint (tb_calendar_is_working_day (calendar, d), ==,
                     tb_calendar_is_working_day (plain, d));
}

static void
test_count_year_2026 (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();

  /* 2026 starts on a Thursday and has 365 days: 52 weeks and a Thursday, 261 weekdays.
   * Weekdays off: 01-01, 01-02; 02-16..02-20, 02-23; 04-06; 05-01, 05-04, 05-05; 06-19;
   * 09-25; 10-01, 10-02, 10-05, 10-06, 10-07 = 19. Make-up weekend days: 01-04, 02-14, 02-28,
   * 05-09, 09-20, 10-10 = 6. 261 - 19 + 6 = 248. */
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, day ("2025-12-31"),
                                                    day ("2026-12-31"), NULL, 0), ==, 248);

  /* Same year, no data: 261. */
  {
    g_autoptr(TbCalendar) plain = tb_calendar_new ();

    g_assert_cmpuint (tb_calendar_count_working_days (plain, day ("2025-12-31"),
                                                      day ("2026-12-31"), NULL, 0), ==, 261);
  }
}

typedef struct
{
  guint  n;
  TbDay  previous;
  TbDay  first;
  TbDay  last;
  guint  n_off;
  char  *name_of_last;
} SpecialDays;

static void
collect_special_day (TbDay       d,
                     gboolean    is_off,
                     const char *name,
                     gpointer    user_data)
{
  SpecialDays *days = user_data;

  g_assert_cmpuint (d, >, days->previous);
  days->previous = d;
  if (days->n == 0)
    days->first = d;
  days->last = d;
  days->n++;
  days->n_off += is_off ? 1 : 0;
  g_free (days->name_of_last);
  days->name_of_last = g_strdup (name);
}

static void
test_special_days (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();
  g_autoptr(TbCalendar) empty = tb_calendar_new ();
  g_autoptr(GError) error = NULL;
  SpecialDays days = { 0 };

  /* The bundled files list 32+35+33+37+34+34+41+27+31+30+29+29+31+37+38+38+34+36+33+39 = 678
   * days for 2007..2026 and none for 2027, with no date in two files. The earliest is
   * 2006-12-30 (in 2007.json), the latest 2026-10-10. */
  tb_calendar_foreach_special_day (calendar, collect_special_day, &days);
  g_assert_cmpuint (days.n, ==, 678);
  assert_day (days.first, "2006-12-30");
  assert_day (days.last, "2026-10-10");
  g_assert_cmpstr (days.name_of_last, ==, "国庆节");
  g_clear_pointer (&days.name_of_last, g_free);

  /* Loading twice changes nothing. */
  g_assert_true (tb_calendar_load_bundled (calendar, &error));
  g_assert_no_error (error);
  memset (&days, 0, sizeof days);
  tb_calendar_foreach_special_day (calendar, collect_special_day, &days);
  g_assert_cmpuint (days.n, ==, 678);
  g_clear_pointer (&days.name_of_last, g_free);

  memset (&days, 0, sizeof days);
  tb_calendar_foreach_special_day (empty, collect_special_day, &days);
  g_assert_cmpuint (days.n, ==, 0);
}

static void
test_set_day (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();
  g_autoptr(TbCalendar) fresh = tb_calendar_new ();
  SpecialDays days = { 0 };

  /* A local override: the office opens on Tue 2026-02-17 after all. */
  tb_calendar_set_day (calendar, day ("2026-02-17"), FALSE, "值班");
  g_assert_true (tb_calendar_is_working_day (calendar, day ("2026-02-17")));
  g_assert_cmpstr (tb_calendar_get_day_name (calendar, day ("2026-02-17")), ==, "值班");
  /* Thu 02-12 + 3: 13 (1), Sat 14 (2), Tue 17 (3). */
  assert_day (tb_calendar_add_working_days (calendar, day ("2026-02-12"), 3), "2026-02-17");

  /* Back to off, without a name. */
  tb_calendar_set_day (calendar, day ("2026-02-17"), TRUE, NULL);
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2026-02-17")));
  g_assert_null (tb_calendar_get_day_name (calendar, day ("2026-02-17")));

  /* A one-off closure on a plain Wednesday, 2026-03-04. */
  tb_calendar_set_day (calendar, day ("2026-03-04"), TRUE, "停电");
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2026-03-04")));
  /* Setting days is not official data. */
  tb_calendar_set_day (fresh, day ("2031-10-01"), TRUE, "国庆节");
  g_assert_false (tb_calendar_has_year (fresh, 2031));

  /* Days set out of order come back in order, each once. */
  tb_calendar_set_day (fresh, day ("2031-01-01"), TRUE, "元旦");
  tb_calendar_set_day (fresh, day ("2031-05-01"), TRUE, "劳动节");
  tb_calendar_set_day (fresh, day ("2031-01-01"), TRUE, "元旦");
  tb_calendar_set_day (fresh, day ("2031-09-27"), FALSE, NULL);
  tb_calendar_foreach_special_day (fresh, collect_special_day, &days);
  g_assert_cmpuint (days.n, ==, 4);
  g_assert_cmpuint (days.n_off, ==, 3);
  assert_day (days.first, "2031-01-01");
  assert_day (days.last, "2031-10-01");
  g_assert_cmpstr (days.name_of_last, ==, "国庆节");
  g_free (days.name_of_last);
  /* 2031-09-27 is a Saturday made a working day. */
  g_assert_true (tb_calendar_is_working_day (fresh, day ("2031-09-27")));
}

static void
test_zero (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();
  TbDay holiday = day ("2026-02-16");

  /* n = 0 is the start itself, even on a day off. */
  g_assert_cmpuint (tb_calendar_add_working_days (calendar, holiday, 0), ==, holiday);
  g_assert_cmpuint (tb_calendar_subtract_working_days (calendar, holiday, 0), ==, holiday);
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, holiday, holiday, NULL, 0), ==, 0);
  /* Backwards ranges count nothing: (02-24, 02-13]. */
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, day ("2026-02-24"),
                                                    day ("2026-02-13"), NULL, 0), ==, 0);
  /* (Fri 02-13, Sat 02-14]: the make-up day alone. */
  g_assert_cmpuint (tb_calendar_count_working_days (calendar, day ("2026-02-13"),
                                                    day ("2026-02-14"), NULL, 0), ==, 1);
}

static void
test_limits (void)
{
  g_autoptr(TbCalendar) calendar = tb_calendar_new ();
  TbDay last = day ("9999-12-31");

  /* 9999-12-31 is a Friday; there is nothing after it. */
  g_assert_cmpuint (tb_calendar_add_working_days (calendar, last, 1), ==, TB_DAY_INVALID);
  /* 0001-01-01 is a Monday; there is nothing before it. */
  g_assert_cmpuint (tb_calendar_subtract_working_days (calendar, 1, 1), ==, TB_DAY_INVALID);
  g_assert_cmpuint (tb_calendar_subtract_working_days (calendar, 2, 1), ==, 1);
  /* Thu 9999-12-30 + 1 = Fri 9999-12-31. */
  assert_day (tb_calendar_add_working_days (calendar, last - 1, 1), "9999-12-31");
}

static void
test_load_valid (void)
{
  g_autoptr(TbCalendar) calendar = tb_calendar_new ();
  g_autoptr(GError) error = NULL;
  /* Trailing garbage after the given length must be ignored. */
  static const char json[] =
    "{\"year\": 2030, \"papers\": [], \"days\": ["
    "  {\"name\": \"测试\", \"date\": \"2030-02-04\", \"isOffDay\": true},"
    "  {\"date\": \"2030-02-09\", \"isOffDay\": false, \"name\": null},"
    "  {\"date\": \"2029-12-31\", \"isOffDay\": true}"
    "]}GARBAGE";

  g_assert_true (tb_calendar_load_holiday_cn (calendar, json, strlen (json) - strlen ("GARBAGE"),
                                              &error));
  g_assert_no_error (error);
  g_assert_true (tb_calendar_has_year (calendar, 2030));
  g_assert_false (tb_calendar_has_year (calendar, 2029));
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2030-02-04")));  /* Mon, off */
  g_assert_true (tb_calendar_is_working_day (calendar, day ("2030-02-09")));   /* Sat, work */
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2029-12-31")));  /* Mon, off */
  g_assert_cmpstr (tb_calendar_get_day_name (calendar, day ("2030-02-04")), ==, "测试");
  g_assert_null (tb_calendar_get_day_name (calendar, day ("2030-02-09")));

  /* Fri 02-01 + 2: Mon 04 off, Tue 05 (1), Wed 06 (2). */
  assert_day (tb_calendar_add_working_days (calendar, day ("2030-02-01"), 2), "2030-02-06");

  /* An empty year loads but is not official data. */
  g_assert_true (tb_calendar_load_holiday_cn (calendar, "{\"year\":2031,\"days\":[]}", -1,
                                              &error));
  g_assert_no_error (error);
  g_assert_false (tb_calendar_has_year (calendar, 2031));
}

static void
test_load_malformed (void)
{
  static const struct {
    const char *json;
    const char *in_message;  /* something the message must mention, or NULL */
  } cases[] = {
    { "", NULL },
    { "not json", NULL },
    { "{\"year\": 2026, \"days\": [", NULL },
    { "[]", NULL },
    { "42", NULL },
    { "{}", NULL },
    { "{\"days\": []}", NULL },
    { "{\"year\": \"2026\", \"days\": []}", NULL },
    { "{\"year\": 2026.5, \"days\": []}", NULL },
    { "{\"year\": 0, \"days\": []}", NULL },
    { "{\"year\": 2026}", "2026" },
    { "{\"year\": 2026, \"days\": {}}", "2026" },
    { "{\"year\": 2026, \"days\": null}", "2026" },
    { "{\"year\": 2026, \"days\": [1]}", "2026" },
    { "{\"year\": 2026, \"days\": [{\"isOffDay\": true}]}", "2026" },
    { "{\"year\": 2026, \"days\": [{\"date\": 20260214, \"isOffDay\": true}]}", "2026" },
    { "{\"year\": 2026, \"days\": [{\"date\": \"2026-02-30\", \"isOffDay\": true}]}",
      "2026-02-30" },
    { "{\"year\": 2026, \"days\": [{\"date\": \"2026/02/14\", \"isOffDay\": true}]}",
      "2026/02/14" },
    { "{\"year\": 2026, \"days\": [{\"date\": \"2026-02-14\"}]}", "2026-02-14" },
    { "{\"year\": 2026, \"days\": [{\"date\": \"2026-02-14\", \"isOffDay\": \"yes\"}]}",
      "2026-02-14" },
    { "{\"year\": 2026, \"days\": [{\"date\": \"2026-02-14\", \"isOffDay\": 1}]}",
      "2026-02-14" },
    { "{\"year\": 2026, \"days\": [{\"date\": \"2026-02-14\", \"isOffDay\": true, "
      "\"name\": 5}]}", "2026-02-14" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TbCalendar) calendar = tb_calendar_new ();
      g_autoptr(GError) error = NULL;
      SpecialDays days = { 0 };

      g_test_message ("malformed: %s", cases[i].json);
      g_assert_false (tb_calendar_load_holiday_cn (calendar, cases[i].json, -1, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_cmpstr (error->message, !=, "");
      if (cases[i].in_message != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].in_message));

      g_assert_false (tb_calendar_has_year (calendar, 2026));
      tb_calendar_foreach_special_day (calendar, collect_special_day, &days);
      g_assert_cmpuint (days.n, ==, 0);
    }
}

static void
test_load_unchanged_on_error (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();
  g_autoptr(GError) error = NULL;
  SpecialDays days = { 0 };
  /* Two good days (one overriding the official 2026-02-16) before a bad one. */
  static const char json[] =
    "{\"year\": 2030, \"days\": ["
    "  {\"date\": \"2030-02-04\", \"isOffDay\": true},"
    "  {\"date\": \"2026-02-16\", \"isOffDay\": false},"
    "  {\"date\": \"2030-02-31\", \"isOffDay\": true}"
    "]}";

  g_assert_false (tb_calendar_load_holiday_cn (calendar, json, -1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);

  g_assert_true (tb_calendar_is_working_day (calendar, day ("2030-02-04")));
  g_assert_false (tb_calendar_is_working_day (calendar, day ("2026-02-16")));
  g_assert_false (tb_calendar_has_year (calendar, 2030));
  tb_calendar_foreach_special_day (calendar, collect_special_day, &days);
  g_assert_cmpuint (days.n, ==, 678);
  g_free (days.name_of_last);
}

/* A random day between 2006-06-01 and 2028-06-30, so that both the official years and plain
 * years on either side are exercised. */
static TbDay
random_day (void)
{
  TbDay first = day ("2006-06-01");
  TbDay last = day ("2028-06-30");

  return first + (TbDay) g_test_rand_int_range (0, (gint32) (last - first + 1));
}

static void
test_property_add_count (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();
  guint iterations = g_test_slow () ? 100000 : 5000;

  for (guint i = 0; i < iterations; i++)
    {
      TbDay start = random_day ();
      guint n = (guint) g_test_rand_int_range (0, 400);
      TbDay end = tb_calendar_add_working_days (calendar, start, n);

      g_assert_cmpuint (tb_calendar_count_working_days (calendar, start, end, NULL, 0), ==, n);
      if (n > 0)
        {
          g_assert_cmpuint (end, >, start);
          g_assert_true (tb_calendar_is_working_day (calendar, end));
        }
      else
        g_assert_cmpuint (end, ==, start);
    }
}

static void
test_property_subtract_count (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();
  guint iterations = g_test_slow () ? 100000 : 5000;

  for (guint i = 0; i < iterations; i++)
    {
      TbDay start = random_day ();
      guint n = (guint) g_test_rand_int_range (0, 400);
      TbDay begin = tb_calendar_subtract_working_days (calendar, start, n);

      /* n working days in [begin, start) = (begin - 1, start - 1]. */
      g_assert_cmpuint (tb_calendar_count_working_days (calendar, begin - 1, start - 1, NULL, 0),
                        ==, n);
      if (n > 0)
        {
          g_assert_cmpuint (begin, <, start);
          g_assert_true (tb_calendar_is_working_day (calendar, begin));
        }
      else
        g_assert_cmpuint (begin, ==, start);
    }
}

/* count_working_days computes with weekday arithmetic; check it against the day-by-day
 * definition, pauses included. */
static void
test_property_count_naive (void)
{
  g_autoptr(TbCalendar) calendar = bundled_calendar ();
  guint iterations = g_test_slow () ? 20000 : 2000;

  for (guint i = 0; i < iterations; i++)
    {
      TbDay from = random_day ();
      TbDay to = from + (TbDay) g_test_rand_int_range (0, 120);
      TbDayRange pauses[4];
      guint n_pauses = (guint) g_test_rand_int_range (0, G_N_ELEMENTS (pauses) + 1);
      guint expected = 0;

      for (guint p = 0; p < n_pauses; p++)
        {
          pauses[p].first = from + (TbDay) g_test_rand_int_range (-20, 120);
          pauses[p].last = pauses[p].first + (TbDay) g_test_rand_int_range (-2, 30);
        }

      for (TbDay d = from + 1; d <= to; d++)
        {
          gboolean paused = FALSE;

          for (guint p = 0; p < n_pauses; p++)
            paused |= pauses[p].first <= d && d <= pauses[p].last;
          if (!paused && tb_calendar_is_working_day (calendar, d))
            expected++;
        }

      g_assert_cmpuint (tb_calendar_count_working_days (calendar, from, to, pauses, n_pauses),
                        ==, expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/calendar/day/iso", test_day_iso);
  g_test_add_func ("/calendar/day/ymd", test_day_ymd);
  g_test_add_func ("/calendar/day/today", test_day_today);
  g_test_add_func ("/calendar/boxed", test_boxed);
  g_test_add_func ("/calendar/plain-weeks", test_plain_weeks);
  g_test_add_func ("/calendar/has-year", test_has_year);
  g_test_add_func ("/calendar/spring-festival-2026", test_spring_festival_2026);
  g_test_add_func ("/calendar/national-day-2026", test_national_day_2026);
  g_test_add_func ("/calendar/count/pauses", test_count_pauses);
  g_test_add_func ("/calendar/count/year-2026", test_count_year_2026);
  g_test_add_func ("/calendar/year-boundary", test_year_boundary);
  g_test_add_func ("/calendar/year-without-data", test_year_without_data);
  g_test_add_func ("/calendar/special-days", test_special_days);
  g_test_add_func ("/calendar/set-day", test_set_day);
  g_test_add_func ("/calendar/zero", test_zero);
  g_test_add_func ("/calendar/limits", test_limits);
  g_test_add_func ("/calendar/load/valid", test_load_valid);
  g_test_add_func ("/calendar/load/malformed", test_load_malformed);
  g_test_add_func ("/calendar/load/unchanged-on-error", test_load_unchanged_on_error);
  g_test_add_func ("/calendar/property/add-count", test_property_add_count);
  g_test_add_func ("/calendar/property/subtract-count", test_property_subtract_count);
  g_test_add_func ("/calendar/property/count-naive", test_property_count_naive);

  return g_test_run ();
}
