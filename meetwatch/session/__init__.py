"""Sessions on disk: the SQLite store (store, rows, migrations, schema.sql) and the event-bus
sink that fills it (recorder)."""
