"""Every text a person reads from the server, in one catalogue per area.

The dashboard is Russian; API answers follow ``Accept-Language`` (SPEC §9.1):
``ru`` gives Russian, anything else English, and stable codes never change.
"""
