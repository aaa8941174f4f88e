"""Arabic UI formats (Django format strings: j day, F month name, Y year, H:i time)."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
MONTH_YEAR_FORMAT = "F Y"
DECIMAL_SEPARATOR = "٫"
THOUSAND_SEPARATOR = "٬"
NUMBER_GROUPING = 3
