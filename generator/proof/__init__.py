"""Generated proof: synthetic incidents, the promtool unit tests built from them, and the backtest.

Why a wing of its own: the rule generator says what to alert on; this package proves it, by
writing scenarios ("100% errors from minute 120", "a 7.2x burn") as the input series the SLI's
own queries select, predicting minute by minute which tiers must fire, and handing the result to
promtool. The reports reuse it (a regression case is an incident shape turned into a scenario),
so every promtool test burnwise writes comes from the same machinery.
"""
