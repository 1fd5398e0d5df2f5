// The storefront's HTTP APIs: the same two SLOs for each, written once with the burnwise library.
// Run `burnwise generate` to render one rule file per service into rendered_rules/.
local bw = import 'lib/burnwise.libsonnet';

bw.httpFleet(
  ['cart-api', 'catalog-api'],
  owner='payments',
  latencyThreshold=0.25,
  runbookBase='https://runbooks.example.com/storefront',
)
