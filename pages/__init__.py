"""Screens of the app, one thin file each; shared helpers live in ``pages.common``."""
