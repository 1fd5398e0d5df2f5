"""On-call roster and runbook catalog: who is paged for which surface, and what they should do."""
