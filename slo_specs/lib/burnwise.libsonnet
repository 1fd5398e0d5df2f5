// burnwise Jsonnet library: helpers that make a fleet of similar SLOs short to write.
//
//   local bw = import 'lib/burnwise.libsonnet';
//   bw.service('cart-api', owner='shop-team', slos=[bw.availability('cart-api'), bw.latency('cart-api', 0.3)])
//
// Every helper returns plain burnwise/v1 data, so anything can be overridden with `+`:
//   bw.availability('cart-api') + { objective: 99.95 }
// Queries use the conventional http_requests_total / http_request_duration_seconds metrics with a
// `job` label; pass `metric`/`selector` for anything else.
{
  // One service: the document burnwise validates (`burnwise schema` describes every field).
  service(name, owner=null, labels={}, slos=[]):: {
    version: 'burnwise/v1',
    service: name,
    [if owner != null then 'owner']: owner,
    [if std.length(labels) > 0 then 'labels']: labels,
    slos: slos,
  },

  // Share of requests that did not fail with a 5xx (or `errorCodes`, a regex on `code`).
  availability(job, objective=99.9, period='30d', name='availability', metric='http_requests_total', errorCodes='5..', runbook=null):: {
    name: name,
    objective: objective,
    period: period,
    description: 'Requests to %s that did not fail (code !~ %s).' % [job, errorCodes],
    sli: {
      events: {
        error_query: 'sum(rate(%s{job="%s",code=~"%s"}[{{.window}}]))' % [metric, job, errorCodes],
        total_query: 'sum(rate(%s{job="%s"}[{{.window}}]))' % [metric, job],
      },
    },
    [if runbook != null then 'alerting']: { runbook_url: runbook },
  },

  // Share of requests faster than `threshold` seconds (a bucket boundary of the histogram).
  latency(job, threshold, objective=99, period='30d', name='latency', metric='http_request_duration_seconds', runbook=null):: {
    name: name,
    objective: objective,
    period: period,
    description: 'Requests to %s answered within %gs.' % [job, threshold],
    sli: { latency: { metric: metric, selector: '{job="%s"}' % job, threshold: threshold } },
    [if runbook != null then 'alerting']: { runbook_url: runbook },
  },

  // Turn off one tier, e.g. bw.withoutTier(bw.latency(...), 'sev1') for an SLO nobody is woken for.
  withoutTier(slo, tier):: slo + { alerting+: { tiers+: { [tier]+: { disable: true } } } },

  // A fleet: the same SLOs for many HTTP services, one document per service.
  httpFleet(services, owner, latencyThreshold=0.3, availabilityObjective=99.9, latencyObjective=99, runbookBase=null):: [
    $.service(
      job,
      owner=owner,
      labels={ fleet: 'http' },
      slos=[
        $.availability(job, availabilityObjective, runbook=if runbookBase != null then '%s/%s/availability' % [runbookBase, job] else null),
        $.latency(job, latencyThreshold, latencyObjective, runbook=if runbookBase != null then '%s/%s/latency' % [runbookBase, job] else null),
      ],
    )
    for job in services
  ],
}
