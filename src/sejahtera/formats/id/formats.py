"""Indonesian dates as offices write them: "5 Desember 2026" (Django's default abbreviates the
month to "Des."); everything else falls back to Django's own Indonesian formats."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H.i"
