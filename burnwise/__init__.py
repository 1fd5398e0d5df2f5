"""burnwise: SLO specs to Prometheus rules, Alertmanager notifications to incidents and pages."""

__version__ = "0.1.0"
