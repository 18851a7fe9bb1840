"""The Discord front end: a thin discord.py 2.x bot over ``AskService`` (``askbot run``).

- app.py        create_bot(settings, service): the bot, its error boundary and command sync
- cog.py        /ask, /sources, /reload, /help, mentions, replies, DMs, the buttons' handlers
- components.py the persistent buttons (state in the custom_id)
- render.py     pure: embeds and messages within Discord's limits
- custom_ids.py pure: button state in and out of custom_ids
- guards.py     pure: cooldown, channel allowlist, mention stripping
- feedback.py   the JSON-lines feedback log, voters as keyed digests
- delivery.py   retries of Discord's passing failures, replies to deleted questions
- runner.py     run until SIGTERM/Ctrl-C, URLs, logging, exit reasons
"""
