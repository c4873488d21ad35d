package io.wharf.controllers;

import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.time.ZonedDateTime;

import static org.junit.jupiter.api.Assertions.*;

class CronScheduleTest {
    static ZonedDateTime utc(String s) { return ZonedDateTime.parse(s + "Z[UTC]"); }

    @Test
    void nextTimes() {
        assertEquals(utc("2026-01-01T10:15"), CronSchedule.parse("*/15 * * * *", null).next(utc("2026-01-01T10:00")));
        assertEquals(utc("2026-01-01T11:00"), CronSchedule.parse("@hourly", null).next(utc("2026-01-01T10:00")));
        // Friday 2026-01-02 17:00 -> Monday 09:00
        assertEquals(utc("2026-01-05T09:00"), CronSchedule.parse("0 9 * * mon-fri", null).next(utc("2026-01-02T17:00")));
        assertEquals(utc("2026-02-01T00:00"), CronSchedule.parse("@monthly", null).next(utc("2026-01-15T00:00")));
        // day-of-month OR day-of-week when both are restricted: the 13th, or any Friday
        assertEquals(utc("2026-01-09T00:00"), CronSchedule.parse("0 0 13 * 5", null).next(utc("2026-01-03T00:00")));
        assertEquals(utc("2026-01-01T00:07"), CronSchedule.parse("7 * * * *", null).next(utc("2026-01-01T00:00")));
    }

    @Test
    void timeZones() {
        var s = CronSchedule.parse("0 9 * * *", "Europe/Berlin");
        assertEquals(ZoneId.of("Europe/Berlin"), s.zone());
        assertEquals(utc("2026-01-01T08:00").toInstant(), s.next(utc("2026-01-01T00:00")).toInstant());
        assertEquals(ZoneId.of("Asia/Tokyo"), CronSchedule.parse("CRON_TZ=Asia/Tokyo 0 0 * * *", null).zone());
    }

    @Test
    void rejectsBadSpecs() {
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("* * * *", null));
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("61 * * * *", null));
        assertThrows(RuntimeException.class, () -> CronSchedule.parse("a * * * *", null));
    }
}
