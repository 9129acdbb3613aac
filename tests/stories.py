"""Short invented stories for the tests of passages, confirmed examples, people and follow-ups.
Every name, figure and quote here is made up."""

KILN = """---
title: Kiln workers at Ostrava Pottery walk out over shift rotas
outlet: Riverside Herald
date: 2032-04-11
url: https://example.org/herald/kiln-walkout
---
Kiln workers at the Ostrava Pottery works walked off the job on Tuesday after talks over shift rotas collapsed.

Of the 310 members of Potters Union Local 12, 87% voted to authorize the walkout, the local said.

"We will not fire another kiln until the night rota is fair," said Local 12 president Marisol Quenby.

Ostrava Pottery chief executive Bertram Vell said the company had offered a fourth rest day. "The offer on the table is a generous one," Vell said.

The works lost about $55,000 a day while the kilns stood cold, Vell said.
"""

# About the story, but no one sentence answers it: the bot shows passages rather than answer.
VAGUE = "what is going on with the kilns"

GLAZE = """---
title: Glaze shop crews settle after a runoff vote
outlet: Valley Ledger
date: 2032-05-02
---
Turnout at the glaze shop vote reached 296 in 2032.

The glaze shop crews cast 412 ballots in the runoff, a record for the shop.
"""
