// meetwatch web overlay: follows the local websocket feed (docs/protocol.md).
// URL: http://127.0.0.1:PORT/[?transparent=1][&port=PORT]#token=TOKEN
// The token is in the fragment, which the browser never sends to a server, never puts in a
// Referer header and which OBS does not log. Links from before (?token=TOKEN) still work for
// one release: the page moves the token into the fragment at once and says the link is old.
// The view rules match meetwatch/outputs/overlay_state.py (the Qt overlay's state), so both
// overlays show the same thing: no numbers from a dead or stalled feed, ten minutes of history,
// alerts for a minute after they were raised.
"use strict";

(() => {
  const HISTORY_SECONDS = 600;
  const ALERT_SECONDS = 60;
  const STALE_SECONDS = 5;
  const MAX_ALERTS = 3;
  const RPC_VERSION = 1;
  const EMOTIONS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];
  const ATTENTION_LABELS = {
    on_screen: "on screen",
    away: "away",
    eyes_closed: "eyes closed",
    no_face: "no face",
    camera_off: "camera off",
  };
  // Close codes after which retrying with the same URL cannot help.
  const FATAL = {
    4009: "wrong token — open the URL printed by `meetwatch token`",
    4010: "this overlay does not speak the server's protocol version",
  };
  const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];

  const params = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.slice(1));
  const oldLink = !fragment.get("token") && Boolean(params.get("token"));
  const token = fragment.get("token") || params.get("token") || "";
  if (oldLink) {
    // Take the token out of the address bar and this history entry right away.
    params.delete("token");
    const query = params.toString();
    const clean = `${location.pathname}${query ? `?${query}` : ""}#token=${encodeURIComponent(token)}`;
    history.replaceState(null, "", clean);
    console.warn("meetwatch: this overlay link puts the token in the query (?token=)");
  }
  const option = (name) => fragment.get(name) || params.get(name);
  const port = option("port") || location.port || "8765";
  const host = location.hostname || "127.0.0.1";
  if (option("transparent") === "1") document.documentElement.classList.add("transparent");

  const $ = (id) => document.getElementById(id);
  const css = getComputedStyle(document.documentElement);
  const LOW = parseFloat(css.getPropertyValue("--engagement-low")) || 0.4;
  const HIGH = parseFloat(css.getPropertyValue("--engagement-high")) || 0.65;

  const view = {
    state: "connecting", // connecting | connected | stale | disconnected | failed
    status: "connecting…",
    recording: false,
    attentionOnly: false, // the session does not analyse emotion (attention-only mode)
    room: null,
    tiles: [],
    history: [], // [timestamp, engagement|null]
    alerts: [],
    problems: {},
    section: null,
    dataTime: null,
    updatedAt: null,
  };

  // -- folding events into the view --------------------------------------------------------

  function clearLive() {
    view.room = null;
    view.tiles = [];
    view.alerts = [];
    view.updatedAt = null;
  }

  function advance(timestamp) {
    view.dataTime = view.dataTime === null ? timestamp : Math.max(view.dataTime, timestamp);
    const start = view.dataTime - HISTORY_SECONDS;
    while (view.history.length && view.history[0][0] < start) view.history.shift();
    view.alerts = view.alerts.filter((a) => a.timestamp >= view.dataTime - ALERT_SECONDS);
  }

  const handlers = {
    SessionStarted(data) {
      clearLive();
      view.history = [];
      view.section = null;
      view.recording = true;
      view.attentionOnly = data.attention_only === true;
      advance(data.started_at);
    },
    SessionEnded() {
      view.recording = false;
      clearLive();
    },
    EngagementUpdated(room) {
      view.recording = true;
      view.room = room;
      view.attentionOnly = room.attention_only === true;
      view.tiles = room.participants;
      view.history.push([room.timestamp, room.engagement]);
      view.updatedAt = Date.now();
      advance(room.timestamp);
    },
    ParticipantsChanged(data) {
      view.tiles = data.participants;
    },
    AlertRaised(alert) {
      const same = (a) => a.kind === alert.kind && a.participant_id === alert.participant_id;
      view.alerts = view.alerts.filter((a) => !same(a));
      if (alert.state !== "cleared") view.alerts = [...view.alerts, alert].slice(-MAX_ALERTS);
      advance(alert.timestamp);
    },
    StageStatusChanged(status) {
      if (status.state === "degraded" || status.state === "error") {
        view.problems[status.stage] = status.message || status.state;
      } else {
        delete view.problems[status.stage];
      }
    },
    SectionMarked(data) {
      view.section = data.title || null;
    },
  };

  // -- drawing -----------------------------------------------------------------------------

  const pct = (v) => `${Math.round(v * 100)}%`;

  function live() {
    return view.state === "connected" && view.updatedAt !== null;
  }

  function render() {
    const stale = view.updatedAt !== null && Date.now() - view.updatedAt > STALE_SECONDS * 1000;
    if (view.state === "connected" && stale) view.status = "no data for a while";
    const state = view.state === "connected" && stale ? "stale" : view.state;
    $("panel").dataset.state = state;
    $("status").textContent = view.status;
    $("rec").hidden = !(view.recording && view.state === "connected");
    $("section").hidden = !(view.section && view.state === "connected");
    $("section").textContent = view.section ? `section: ${view.section}` : "";

    const room = live() ? view.room : null;
    drawGauge(room ? room.engagement : null);
    drawAttentive(room);
    drawEmotions(room ? room.emotion_mix : {}, view.attentionOnly === true);
    drawSparkline(view.state === "connected" ? view.history : []);
    drawTiles(view.state === "connected" ? view.tiles : []);
    drawList($("alerts"), view.state === "connected" ? view.alerts.map((a) => a.message) : []);
    drawList($("problems"), Object.entries(view.problems).map(([s, m]) => `${s}: ${m}`));
  }

  function drawGauge(value) {
    const fill = $("gauge-fill");
    const has = value !== null && value !== undefined;
    fill.setAttribute("stroke-dasharray", `${has ? value * 100 : 0} 100`);
    fill.classList.toggle("empty", !has);
    fill.classList.toggle("band-low", has && value < LOW);
    fill.classList.toggle("band-mid", has && value >= LOW && value < HIGH);
    fill.classList.toggle("band-high", has && value >= HIGH);
    $("engagement-value").textContent = has ? pct(value) : "–";
  }

  function drawAttentive(room) {
    const share = room ? room.attention_share : null;
    const faces = room ? room.participants_with_face : 0;
    $("attentive-value").textContent = share === null || !faces ? "–" : pct(share);
    // aggregate-only mode withholds room figures while too few faces would be averaged
    const withheld = room && faces < room.min_faces;
    $("faces-value").textContent = withheld
      ? `room figures from ${room.min_faces} faces (${faces} visible)`
      : share === null || !faces
        ? "–"
        : `${Math.round(share * faces)} of ${faces} faces · ${room.participants_total} in call`;
  }

  function drawEmotions(mix, attentionOnly) {
    $("emotion-caption").textContent = attentionOnly
      ? "attention only: emotion not analysed"
      : "emotion mix";
    $("emotion-bar").hidden = attentionOnly;
    const values = EMOTIONS.map((e) => [e, Math.max(0, Number(mix[e]) || 0)]);
    const total = values.reduce((s, [, v]) => s + v, 0);
    const bar = $("emotion-bar");
    const legend = $("emotion-legend");
    bar.replaceChildren();
    legend.replaceChildren();
    if (total <= 0) return;
    for (const [emotion, value] of values) {
      if (value <= 0) continue;
      const share = value / total;
      const seg = document.createElement("span");
      seg.className = `emotion-${emotion}`;
      seg.dataset.emotion = emotion;
      seg.style.width = `${share * 100}%`;
      seg.title = `${emotion} ${pct(share)}`;
      bar.append(seg);
      if (share >= 0.05) {
        const item = document.createElement("span");
        const swatch = document.createElement("i");
        swatch.className = `emotion-${emotion}`;
        item.append(swatch, `${emotion} ${pct(share)}`);
        legend.append(item);
      }
    }
  }

  function drawSparkline(history) {
    const group = $("spark-lines");
    group.replaceChildren();
    if (view.dataTime === null) return;
    const start = view.dataTime - HISTORY_SECONDS;
    let points = [];
    const flush = () => {
      // A lone point still shows: repeat it one unit to the right.
      if (points.length === 1) points.push([points[0][0] + 1, points[0][1]]);
      if (points.length) {
        const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
        line.setAttribute("points", points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "));
        group.append(line);
      }
      points = [];
    };
    for (const [t, value] of history) {
      if (value === null || value === undefined) {
        flush();
        continue;
      }
      points.push([((t - start) / HISTORY_SECONDS) * 300, (1 - value) * 48]);
    }
    flush();
  }

  function drawTiles(tiles) {
    const grid = $("tiles");
    grid.replaceChildren();
    const sorted = [...tiles].sort((a, b) => a.slot - b.slot);
    grid.style.gridTemplateColumns = `repeat(${Math.max(1, Math.ceil(Math.sqrt(sorted.length)))}, 1fr)`;
    for (const p of sorted) {
      const tile = document.createElement("div");
      tile.className = "tile";
      tile.dataset.attention = p.attention;
      tile.dataset.participant = p.participant_id;
      const engagement = p.engagement === null || p.engagement === undefined ? "" : ` ${pct(p.engagement)}`;
      tile.textContent = `P${p.participant_id}${engagement}`;
      tile.title = `${p.label}: ${ATTENTION_LABELS[p.attention] || p.attention}`;
      grid.append(tile);
    }
  }

  function drawList(list, lines) {
    list.replaceChildren(
      ...lines.map((text) => {
        const item = document.createElement("li");
        item.textContent = text;
        return item;
      }),
    );
  }

  // -- connection --------------------------------------------------------------------------

  let attempt = 0;

  function connect() {
    const ws = new WebSocket(`ws://${host}:${port}/`);
    ws.onmessage = (message) => {
      let envelope;
      try {
        envelope = JSON.parse(message.data);
      } catch {
        return;
      }
      const { op, d } = envelope;
      if (op === 0) {
        // Hello: identify with the default subscriptions (everything but per-frame data).
        ws.send(JSON.stringify({ op: 1, d: { rpcVersion: RPC_VERSION, token } }));
      } else if (op === 2) {
        attempt = 0;
        view.state = "connected";
        view.status = "live";
      } else if (op === 5 && handlers[d.eventType]) {
        handlers[d.eventType](d.eventData);
      }
      render();
    };
    ws.onclose = (event) => {
      view.recording = false;
      view.problems = {};
      clearLive();
      if (FATAL[event.code]) {
        view.state = "failed";
        view.status = FATAL[event.code];
      } else {
        const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
        attempt += 1;
        view.state = "disconnected";
        view.status = `disconnected — retrying in ${Math.ceil(delay / 1000)} s`;
        setTimeout(connect, delay);
      }
      render();
    };
  }

  if (oldLink) {
    const notice = $("notice");
    notice.textContent =
      "old link: the token was in the address (?token=), where history and logs keep it. " +
      "Use the link meetwatch prints now (…#token=); old links stop working in the next release.";
    notice.hidden = false;
  }
  if (!token) {
    view.state = "failed";
    view.status = "no token in the URL (#token=…)";
  } else {
    connect();
  }
  render();
  setInterval(render, 1000);
})();
