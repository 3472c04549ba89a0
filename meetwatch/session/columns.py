"""The per-second signals, listed once.

Each Column is a column of the store (`room_samples` or `samples`), a column of the CSV and
Parquet exports under the same name, and a field of the engagement model the feed sends as
`EngagementUpdated` (RoomEngagement, and ParticipantEngagement for each person), which is
what the recorder stores. The store's tables and upgrades, its readers and writers, the
exports, and the test that holds the protocol to it are all built from these tables, so a new
signal is one Column here (with `since` = the new schema version) plus a migration step in
migrations.py: `MIGRATIONS[old] = added_columns(new)`.

Columns are listed in the order they were added (`since` never decreases), because an
upgraded table gains its new columns at the end: a fresh file and an upgraded one then have
the same columns in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from meetwatch.shared import ATTENTION_STATES, EMOTIONS

SqlType = Literal["REAL", "INTEGER", "TEXT"]


@dataclass(frozen=True)
class Column:
    name: str  # store column, CSV header and Parquet column
    sql_type: SqlType
    field: str  # the engagement model's field it is read from
    description: str
    key: str | None = None  # the key inside the field when the field is a dict
    since: int = 1  # the schema version that added the column
    required: bool = False  # NOT NULL (only columns of the first version: upgrades add NULLs)
    categories: tuple[str, ...] = ()  # TEXT columns: the values, read back as their index
    unknown: str = ""  # a stored TEXT value outside `categories` is read as this one

    def read(self, model: Any) -> Any:
        """The column's value in an engagement model (None where the model has none)."""
        value = getattr(model, self.field)
        if self.key is None or value is None:
            return value
        return value.get(self.key)

    @property
    def ddl(self) -> str:
        return f"{self.name} {self.sql_type}{' NOT NULL' if self.required else ''}"


def _emotions(field: str, what: str) -> tuple[Column, ...]:
    return tuple(
        Column(e, "REAL", field, f"{what} of {e}, 0..1 (FER-2013 classes)", key=e) for e in EMOTIONS
    )


# room_samples: the room at one whole second (RoomEngagement); keyed by (session_id, t)
ROOM: tuple[Column, ...] = (
    Column(
        "engagement",
        "REAL",
        "engagement",
        "mean engagement of the participants whose camera is on, 0..1",
    ),
    Column(
        "attention_share",
        "REAL",
        "attention_share",
        "share of the participants whose camera is on who look at the screen, 0..1",
    ),
    Column(
        "participants_total",
        "INTEGER",
        "participants_total",
        "participants known, including any hidden under another window",
        required=True,
    ),
    Column(
        "participants_with_face",
        "INTEGER",
        "participants_with_face",
        "participants whose face is seen",
        required=True,
    ),
    *_emotions("emotion_mix", "mean probability"),
    *(
        Column(s, "INTEGER", "attention_counts", f"participants {s}", key=s, since=2)
        for s in ATTENTION_STATES
    ),
)

# samples: one participant at one whole second (ParticipantEngagement); keyed by
# (session_id, participant_id, t)
PARTICIPANT: tuple[Column, ...] = (
    Column(
        "attention",
        "TEXT",
        "attention",
        "attention state",
        required=True,
        categories=ATTENTION_STATES,
        unknown="no_face",  # an unknown state is no verdict
    ),
    Column("engagement", "REAL", "engagement", "smoothed engagement, 0..1; empty without a face"),
    *_emotions("emotion", "smoothed probability"),
    Column("valence", "REAL", "valence", "valence from the emotion mix, -1..1"),
    Column("arousal", "REAL", "arousal", "arousal from the emotion mix, -1..1"),
    Column("yaw", "REAL", "yaw", "head yaw, degrees (> 0: turned to its left)"),
    Column("pitch", "REAL", "pitch", "head pitch, degrees"),
    Column("gaze_x", "REAL", "gaze_x", "iris offset in the eye, -1..1, 0 = centred"),
    Column("gaze_y", "REAL", "gaze_y", "iris offset in the eye, -1..1, 0 = centred"),
    Column("eye_openness", "REAL", "eye_openness", "mean eye aspect ratio"),
)

TABLES: dict[str, tuple[Column, ...]] = {"room_samples": ROOM, "samples": PARTICIPANT}

# The engagement model's other fields, which are no per-second signal, and where they are
# kept instead; with the tables above this accounts for every field the feed sends.
NOT_SIGNALS: dict[str, str] = {
    "schema_version": "the wire format's version",
    "session_id": "the rows' key",
    "timestamp": "the rows' key t",
    "participants": "rows of samples",
    "attention_only": "the session's config (sessions.config_json)",
    "min_faces": "the session's config (sessions.config_json)",
    "participant_id": "the rows' key",
    "label": "the participants table",
    "slot": "the participants table",
    "top_emotion": "shown from the emotion columns when one is confident",
}


def position(columns: tuple[Column, ...], name: str) -> int:
    for i, c in enumerate(columns):
        if c.name == name:
            return i
    raise KeyError(name)


def ddl(columns: tuple[Column, ...]) -> str:
    """The columns' definitions for schema.sql's CREATE TABLE."""
    return ",\n    ".join(c.ddl for c in columns)


def added_columns(version: int) -> str:
    """The upgrade to `version`: the columns it added, each table in registry order."""
    statements = []
    for table, columns in TABLES.items():
        for c in columns:
            if c.since == version:
                if c.required:
                    raise ValueError(f"{c.name}: an upgrade cannot add a NOT NULL column")
                statements.append(f"ALTER TABLE {table} ADD COLUMN {c.ddl};")
    return "\n".join(statements)
