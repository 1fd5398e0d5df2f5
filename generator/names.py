"""Names of the series burnwise records: one place, because dashboards, tests and reports query them.

Recording rules follow Prometheus' `level:metric:operations` convention. Every series carries the
labels `service` and `slo` (plus the spec's own labels), so :func:`selector` picks one SLO.
"""

from __future__ import annotations

from burnwise.durations import format_duration

ERRORS = "slo:burnwise_errors:rate{window}"  # errors per second over the window
EVENTS = "slo:burnwise_events:rate{window}"  # events per second over the window
ERROR_RATIO = "slo:burnwise_error_ratio:rate{window}"
BURN_RATE = "slo:burnwise_burn_rate:rate{window}"  # error ratio / error budget
OBJECTIVE = "slo:burnwise_objective:ratio"
ERROR_BUDGET = "slo:burnwise_error_budget:ratio"
PERIOD = "slo:burnwise_period:seconds"
BUDGET_REMAINING = "slo:burnwise_error_budget_remaining:ratio"  # over the SLO period
INFO = "slo:burnwise_slo:info"
#: Annotation of every burn-rate alert carrying the burn rate it fired with (``{{ $value }}``, the
#: long window's burn), so tools read a number instead of parsing the English summary.
BURN_RATE_ANNOTATION = "burnwise_burn_rate"


def errors(window: int) -> str:
    return ERRORS.format(window=format_duration(window))


def events(window: int) -> str:
    return EVENTS.format(window=format_duration(window))


def error_ratio(window: int) -> str:
    return ERROR_RATIO.format(window=format_duration(window))


def burn_rate(window: int) -> str:
    return BURN_RATE.format(window=format_duration(window))


def selector(service: str, slo: str) -> str:
    return f'{{service="{service}",slo="{slo}"}}'


def group_name(service: str, slo: str) -> str:
    return f"burnwise-{service}-{slo}"


def camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("_", "-").split("-") if part)


def default_alert_name(service: str, slo: str) -> str:
    """`checkout` + `availability` -> `CheckoutAvailabilityBudgetBurn`."""
    return f"{camel(service)}{camel(slo)}BudgetBurn"
