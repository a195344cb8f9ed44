"""微力量、微活动、微宣讲、微积分: volunteers and teams, activities and talks with sign-up and
check-in, service hours, the points ledger and the goods residents exchange points for.

Every counter (an activity's confirmed places, a volunteer's balance, a station's goods) moves
by one conditional UPDATE in the same transaction as its ledger or log row and its audit entry,
so concurrent sign-ups, check-ins and redemptions stay exact on SQLite and PostgreSQL alike.
"""
