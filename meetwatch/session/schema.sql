-- meetwatch session store, schema version 2 (PRAGMA user_version).
-- Older files are upgraded by meetwatch/session/migrations.py; keep the two in step.
-- One row per participant per second in samples; room_samples holds the room figures.
-- Their signal columns are listed once, in meetwatch/session/columns.py, and filled in
-- where the table's name stands in braces.
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,               -- uuid4 hex
    started_at REAL NOT NULL,          -- unix seconds
    ended_at REAL,                     -- NULL while running or after a crash
    source TEXT NOT NULL,              -- e.g. 'window:Zoom Meeting', 'video:/x.mp4'
    analysis_rate REAL NOT NULL,       -- frames analysed per second (target)
    privacy_mode TEXT NOT NULL,        -- 'individual' | 'aggregate_only'
    app_version TEXT NOT NULL,
    config_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS participants (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    participant_id INTEGER NOT NULL,   -- 1, 2, ... per session
    slot INTEGER NOT NULL,
    label TEXT NOT NULL,               -- 'Participant N' unless names enabled
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    PRIMARY KEY (session_id, participant_id)
);
CREATE TABLE IF NOT EXISTS samples (
    session_id TEXT NOT NULL,
    participant_id INTEGER NOT NULL,
    t REAL NOT NULL,                   -- unix seconds, one per participant per second
    {samples}
);
CREATE INDEX IF NOT EXISTS samples_by_time ON samples(session_id, t);
CREATE TABLE IF NOT EXISTS room_samples (
    session_id TEXT NOT NULL,
    t REAL NOT NULL,                   -- unix seconds, one per second
    {room_samples}
);
CREATE INDEX IF NOT EXISTS room_by_time ON room_samples(session_id, t);
CREATE TABLE IF NOT EXISTS events (
    session_id TEXT NOT NULL,
    t REAL NOT NULL,
    kind TEXT NOT NULL,                -- 'alert', 'section', 'frames_missing', 'stage_status', ...
    payload_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_time ON events(session_id, t);
