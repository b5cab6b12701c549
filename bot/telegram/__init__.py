"""The Telegram bot: commands, buttons and admin tools on top of python-telegram-bot."""
