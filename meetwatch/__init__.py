"""meetwatch: on-device meeting engagement companion."""

__version__ = "0.1.0"
