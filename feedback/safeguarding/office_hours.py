"""When the council's own teams are at work: outside these hours (evenings, weekends, public holidays) a risk alert
goes to the out-of-hours social work service too."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from feedback.core.clock import LOCAL_TIME
from feedback.core.errors import Invalid

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT = "Mon-Fri 09:00-17:00"
_SPEC = re.compile(r"^\s*(?P<days>[a-z,\- ]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$", re.I)


class OfficeHoursError(Invalid):
    """Office hours written in a way that cannot be read; the message says how to write them."""


@dataclass(frozen=True)
class OfficeHours:
    """Weekdays (0 is Monday) from `start` to `end` UK time, except public holidays."""

    days: frozenset[int] = frozenset(range(5))
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, spec: str, holidays: Iterable[date] = ()) -> OfficeHours:
        """Read "Mon-Fri 09:00-17:00" or "Mon,Tue,Thu 08:30-16:30"."""
        match = _SPEC.match(spec or "")
        if not match:
            raise OfficeHoursError(f"write office hours as days and times, such as {DEFAULT!r}, not {spec!r}")
        days: set[int] = set()
        for part in match["days"].lower().replace(" ", "").split(","):
            first, _, last = part.partition("-")
            if first[:3] not in DAY_NAMES or (last and last[:3] not in DAY_NAMES):
                raise OfficeHoursError(f"unknown day in office hours {spec!r}: use Mon, Tue, Wed, Thu, Fri, Sat, Sun")
            a = DAY_NAMES.index(first[:3])
            b = DAY_NAMES.index(last[:3]) if last else a
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        try:
            start, end = (time.fromisoformat(match[name].zfill(5)) for name in ("start", "end"))
        except ValueError as exc:
            raise OfficeHoursError(f"office hours {spec!r}: times are written HH:MM, from 00:00 to 23:59") from exc
        if start >= end:
            raise OfficeHoursError(f"office hours {spec!r}: the day must end after it starts")
        return cls(frozenset(days), start, end, frozenset(holidays))

    def open_at(self, moment: datetime) -> bool:
        local = moment.astimezone(LOCAL_TIME)
        return (
            local.date() not in self.holidays
            and local.weekday() in self.days
            and self.start <= local.time().replace(tzinfo=None) < self.end
        )

    def describe(self) -> str:
        names = [DAY_NAMES[d].capitalize() for d in sorted(self.days)]
        if sorted(self.days) == list(range(min(self.days), max(self.days) + 1)) and len(names) > 2:
            names = [f"{names[0]} to {names[-1]}"]
        return f"{', '.join(names)}, {self.start:%H:%M} to {self.end:%H:%M} UK time, except public holidays"
