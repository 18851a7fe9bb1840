"""Word lists askbot reads at start, one UTF-8 text file each (see ``bot.wordlists``)."""
