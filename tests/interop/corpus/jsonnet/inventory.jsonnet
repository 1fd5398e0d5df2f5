// Inventory services: one availability SLO per gRPC service, written once.
local availability(service, objective) = {
  name: 'grpc-availability',
  objective: objective,
  sli: {
    events: {
      error_query: 'sum(rate(grpc_server_handled_total{grpc_service="%s",grpc_code=~"Unavailable|Internal|DeadlineExceeded"}[{{.window}}]))' % service,
      total_query: 'sum(rate(grpc_server_handled_total{grpc_service="%s"}[{{.window}}]))' % service,
    },
  },
};

[
  {
    version: 'burnwise/v1',
    service: std.asciiLower(std.strReplace(svc.name, '.', '-')),
    owner: 'inventory',
    slos: [availability(svc.name, svc.objective)],
  }
  for svc in [
    { name: 'stock.Reservations', objective: 99.9 },
    { name: 'stock.Levels', objective: 99.5 },
  ]
]
