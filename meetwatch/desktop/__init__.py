"""What the desktop (tray) app needs beyond the core, without Qt: the consent and participant
notices, remembering the first-run acknowledgement, saving the config file, log files,
start-at-login entries and the controller that owns the running core.

Kept free of PyQt6 so all of it is testable headless and usable from the CLI.
"""
