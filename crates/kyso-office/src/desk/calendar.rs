//! Working days (Decree 68/2024 counts its deadlines in them): Saturdays,
//! Sundays and the calendar's days off are not working days, except the
//! weekend days the calendar marks as worked in exchange. The calendar is
//! data in `desk_holiday`, edited by the department administrator: the
//! fixed public holidays (added per year by [`Office::add_fixed_holidays`]),
//! the lunar ones (Tết, Giỗ Tổ Hùng Vương) and the compensatory days the
//! government announces, entered per year.

use std::collections::BTreeMap;

use kyso_store::desk::desk_holiday;
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use time::{Date, Month, Weekday};
use utoipa::ToSchema;

use crate::actor::Actor;
use crate::audit::{record, Entry};
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// What a calendar day is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A fixed public holiday (solar calendar).
    Fixed,
    /// A lunar-calendar holiday, entered per year.
    Lunar,
    /// A compensatory day off announced by the government.
    Compensatory,
    /// A Saturday or Sunday worked in exchange for a day off.
    Workday,
}

impl DayKind {
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Fixed => "fixed",
            DayKind::Lunar => "lunar",
            DayKind::Compensatory => "compensatory",
            DayKind::Workday => "workday",
        }
    }
    pub fn parse(s: &str) -> Result<DayKind> {
        [
            DayKind::Fixed,
            DayKind::Lunar,
            DayKind::Compensatory,
            DayKind::Workday,
        ]
        .into_iter()
        .find(|k| k.code() == s)
        .ok_or_else(|| {
            OfficeError::invalid(
                "bad-day-kind",
                format!("loại ngày không hợp lệ: {s} (fixed, lunar, compensatory, workday)"),
                format!("unknown day kind: {s} (fixed, lunar, compensatory, workday)"),
            )
        })
    }
}

/// One entry of the calendar.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarDay {
    /// ISO date.
    pub day: String,
    pub kind: DayKind,
    pub name: String,
}

/// The calendar's exceptions to the weekday rule.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    days: BTreeMap<Date, DayKind>,
}

/// Fixed public holidays of the Labour Code (1 January, 30 April, 1 May,
/// 2 September); the day next to 2 September and the lunar ones are
/// announced per year and entered as data.
pub const FIXED_HOLIDAYS: [(Month, u8, &str); 4] = [
    (Month::January, 1, "Tết Dương lịch"),
    (Month::April, 30, "Ngày Chiến thắng"),
    (Month::May, 1, "Ngày Quốc tế lao động"),
    (Month::September, 2, "Quốc khánh"),
];

/// The fixed public holidays of `year` that are days off: those on a
/// Saturday or Sunday are no working day anyway (the compensatory day
/// the government announces for them is entered as `compensatory`), and
/// the calendar keeps only weekdays as days off.
pub fn fixed_days_off(year: i32) -> Result<Vec<(Date, &'static str)>> {
    let mut out = Vec::new();
    for (m, d, name) in FIXED_HOLIDAYS {
        let date = Date::from_calendar_date(year, m, d)
            .map_err(|e| OfficeError::internal("fixed holiday", e))?;
        if !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
            out.push((date, name));
        }
    }
    Ok(out)
}

/// Most working days a deadline may count (bounds the walk).
const MAX_DAYS: u32 = 60;

impl Calendar {
    pub fn new(days: impl IntoIterator<Item = (Date, DayKind)>) -> Calendar {
        Calendar {
            days: days.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        match self.days.get(&d) {
            Some(DayKind::Workday) => true,
            Some(_) => false,
            None => !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// The `n`-th working day after `start` (the day of arrival does not
    /// count): the last day of an `n`-working-day deadline.
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        let mut left = n.min(MAX_DAYS);
        while left > 0 {
            match d.next_day() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

/// Whether an open item due on `due` is overdue or due `today`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    OnTime,
    DueToday,
    Overdue,
}

pub fn due_status(due: Date, today: Date) -> DueStatus {
    if today > due {
        DueStatus::Overdue
    } else if today == due {
        DueStatus::DueToday
    } else {
        DueStatus::OnTime
    }
}

pub(crate) fn parse_day(s: &str) -> Result<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).map_err(|_| {
        OfficeError::invalid(
            "bad-date",
            format!("ngày không hợp lệ: {s} (YYYY-MM-DD)"),
            format!("not a date: {s} (YYYY-MM-DD)"),
        )
    })
}

pub(crate) fn iso_day(d: Date) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    d.format(&fmt).unwrap_or_default()
}

impl Office {
    /// The calendar as stored.
    pub(crate) async fn desk_calendar(&self, db: &impl ConnectionTrait) -> Result<Calendar> {
        let rows = desk_holiday::Entity::find().all(db).await?;
        let mut days = Vec::with_capacity(rows.len());
        for r in rows {
            days.push((parse_day(&r.day)?, DayKind::parse(&r.kind)?));
        }
        Ok(Calendar::new(days))
    }

    /// The calendar's entries of `year` (everyone may read it).
    pub async fn holidays(&self, _actor: &Actor, year: i32) -> Result<Vec<CalendarDay>> {
        let rows = desk_holiday::Entity::find()
            .filter(desk_holiday::Column::Day.starts_with(format!("{year:04}-")))
            .order_by_asc(desk_holiday::Column::Day)
            .all(self.store.connection())
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(CalendarDay {
                    kind: DayKind::parse(&r.kind)?,
                    day: r.day,
                    name: r.name,
                })
            })
            .collect()
    }

    /// Sets one day of the calendar (department administrator).
    pub async fn set_holiday(&self, actor: &Actor, day: CalendarDay) -> Result<CalendarDay> {
        self.guard(actor, "desk.calendar.set", async || {
            actor.require_admin()?;
            let d = parse_day(&day.day)?;
            let name = day.name.trim().to_string();
            if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
                return Err(OfficeError::invalid(
                    "bad-name",
                    "tên ngày nghỉ phải có 1–200 ký tự",
                    "the day's name must have 1–200 characters",
                ));
            }
            let weekend = matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday);
            if (day.kind == DayKind::Workday) != weekend {
                return Err(OfficeError::invalid(
                    "bad-day-kind",
                    "chỉ thứ Bảy, Chủ nhật mới là ngày làm bù; ngày nghỉ phải là ngày thường",
                    "only a Saturday or Sunday can be a worked day; a day off must be a weekday",
                ));
            }
            let iso = iso_day(d);
            let now = self.now();
            self.store
                .write(async |tx| {
                    desk_holiday::Entity::delete_by_id(iso.clone())
                        .exec(tx)
                        .await?;
                    desk_holiday::ActiveModel {
                        day: Set(iso.clone()),
                        kind: Set(day.kind.code().into()),
                        name: Set(name.clone()),
                        updated_by: Set(actor.person_id),
                        updated_at: Set(now.unix_timestamp()),
                    }
                    .insert(tx)
                    .await?;
                    record(
                        tx,
                        actor,
                        Entry::new("desk.calendar.set", "desk_holiday", &iso)
                            .role(Role::DeptAdmin)
                            .detail(format!("{} {}", day.kind.code(), name)),
                        now,
                    )
                    .await
                })
                .await?;
            Ok(CalendarDay {
                day: iso,
                kind: day.kind,
                name,
            })
        })
        .await
    }

    /// Removes one day of the calendar (department administrator).
    pub async fn remove_holiday(&self, actor: &Actor, day: &str) -> Result<()> {
        self.guard(actor, "desk.calendar.remove", async || {
            actor.require_admin()?;
            let iso = iso_day(parse_day(day)?);
            let now = self.now();
            self.store
                .write(async |tx| {
                    let r = desk_holiday::Entity::delete_by_id(iso.clone())
                        .exec(tx)
                        .await?;
                    if r.rows_affected == 0 {
                        return Err(OfficeError::not_found("ngày trong lịch", "calendar day"));
                    }
                    record(
                        tx,
                        actor,
                        Entry::new("desk.calendar.remove", "desk_holiday", &iso)
                            .role(Role::DeptAdmin),
                        now,
                    )
                    .await
                })
                .await
        })
        .await
    }

    /// Enters the fixed public holidays of `year` that are not entered yet
    /// and fall on a weekday (see [`fixed_days_off`]).
    pub async fn add_fixed_holidays(&self, actor: &Actor, year: i32) -> Result<Vec<CalendarDay>> {
        self.guard(actor, "desk.calendar.fixed", async || actor.require_admin())
            .await?;
        if !(2000..=2100).contains(&year) {
            return Err(OfficeError::invalid(
                "bad-year",
                "năm phải trong khoảng 2000–2100",
                "the year must be within 2000–2100",
            ));
        }
        let existing = self.holidays(actor, year).await?;
        let mut out = Vec::new();
        for (date, name) in fixed_days_off(year)? {
            let iso = iso_day(date);
            if existing.iter().any(|e| e.day == iso) {
                continue;
            }
            out.push(
                self.set_holiday(
                    actor,
                    CalendarDay {
                        day: iso,
                        kind: DayKind::Fixed,
                        name: name.into(),
                    },
                )
                .await?,
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cal() -> Calendar {
        // 2026: Tết 16–20 February (Mon–Fri) … a made-up week for the test,
        // plus 30 April (Thu), 1 May (Fri), and Saturday 25 April worked.
        Calendar::new([
            (date!(2026 - 04 - 30), DayKind::Fixed),
            (date!(2026 - 05 - 01), DayKind::Fixed),
            (date!(2026 - 04 - 25), DayKind::Workday),
            (date!(2026 - 02 - 16), DayKind::Lunar),
            (date!(2026 - 02 - 17), DayKind::Lunar),
        ])
    }

    #[test]
    fn weekends_and_holidays_are_skipped() {
        let c = cal();
        // Wednesday 29 April + 3 working days: Thu 30/4 and Fri 1/5 off,
        // weekend off → Mon 4, Tue 5, Wed 6 May.
        assert_eq!(
            c.add_working_days(date!(2026 - 04 - 29), 3),
            date!(2026 - 05 - 06)
        );
        // Friday 24 April + 1: Saturday 25 is worked.
        assert_eq!(
            c.add_working_days(date!(2026 - 04 - 24), 1),
            date!(2026 - 04 - 25)
        );
        // Friday 13 February + 1: weekend, then Mon 16 and Tue 17 off.
        assert_eq!(
            c.add_working_days(date!(2026 - 02 - 13), 1),
            date!(2026 - 02 - 18)
        );
        assert!(!c.is_working_day(date!(2026 - 05 - 02)));
        assert!(c.is_working_day(date!(2026 - 05 - 04)));
        // Zero days is the same day; huge counts are bounded.
        assert_eq!(
            c.add_working_days(date!(2026 - 05 - 04), 0),
            date!(2026 - 05 - 04)
        );
        let far = c.add_working_days(date!(2026 - 05 - 04), u32::MAX);
        assert!(far < date!(2026 - 09 - 01));
    }

    #[test]
    fn fixed_holidays_on_a_weekend_are_no_days_off() {
        let days = |y| -> Vec<String> {
            fixed_days_off(y)
                .unwrap()
                .into_iter()
                .map(|(d, _)| iso_day(d))
                .collect()
        };
        assert_eq!(
            days(2026),
            ["2026-01-01", "2026-04-30", "2026-05-01", "2026-09-02"]
        );
        // 1 May 2027 is a Saturday.
        assert_eq!(days(2027), ["2027-01-01", "2027-04-30", "2027-09-02"]);
        // 1 January and 2 September 2028 are Saturdays, 30 April a Sunday.
        assert_eq!(days(2028), ["2028-05-01"]);
    }

    #[test]
    fn due_status_by_day() {
        let due = date!(2026 - 05 - 06);
        assert_eq!(due_status(due, date!(2026 - 05 - 05)), DueStatus::OnTime);
        assert_eq!(due_status(due, due), DueStatus::DueToday);
        assert_eq!(due_status(due, date!(2026 - 05 - 07)), DueStatus::Overdue);
    }
}
