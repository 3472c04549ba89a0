"""outputs stage, split by audience: `feed` (the local websocket and HTTP server, its wire
protocol and token) for programs, `live` (overlay view, annotation, virtual camera) for the
people in the meeting, `reports` for after it."""
