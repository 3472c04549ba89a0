"""The local feed: wire protocol, websocket and HTTP server, token."""
