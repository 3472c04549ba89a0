// meetwatch web overlay: draws the overlay view the local feed computes (docs/protocol.md).
// URL: http://127.0.0.1:PORT/[?transparent=1][&port=PORT]#token=TOKEN
// The token is in the fragment, which the browser never sends to a server, never puts in a
// Referer header and which OBS does not log. Links from before (?token=TOKEN) still work for
// one release: the page moves the token into the fragment at once and says the link is old.
// Every figure, text and colour comes ready-made in OverlayViewUpdated (the same view the Qt
// overlay paints); this page only places it. Without a feed it shows its own markup, which
// has no figures, and says why.
"use strict";

(() => {
  const RPC_VERSION = 1;
  const OVERLAY_VIEW = 512; // subscription bit of OverlayViewUpdated
  const VIEW_VERSION = 1;
  // Close codes after which retrying with the same URL cannot help.
  const FATAL = {
    4009: "wrong token — open the URL printed by `meetwatch token`",
    4010: "this overlay does not speak the server's protocol version",
  };
  const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
  const SVG = "http://www.w3.org/2000/svg";
  const SPARK_W = 300;
  const SPARK_H = 48;

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
  const blank = $("panel").cloneNode(true); // the markup: no figures at all

  // -- drawing -----------------------------------------------------------------------------

  function showBlank(state, status) {
    $("panel").replaceWith(blank.cloneNode(true));
    $("panel").dataset.state = state;
    $("status").textContent = status;
    if (oldLink) {
      const notice = $("notice");
      notice.textContent =
        "old link: the token was in the address (?token=), where history and logs keep it. " +
        "Use the link meetwatch prints now (…#token=); old links stop working in the next release.";
      notice.hidden = false;
    }
  }

  function draw(view) {
    $("panel").dataset.state = view.state;
    $("status").textContent = view.status;
    $("rec").hidden = !view.recording;
    $("section").hidden = !view.section;
    $("section").textContent = view.section || "";
    drawGauge(view.gauge);
    $("attentive-value").textContent = view.attentive;
    $("faces-value").textContent = view.faces;
    drawEmotions(view.emotion);
    drawSparkline(view.sparkline);
    drawTiles(view.grid);
    drawList($("alerts"), view.alerts);
    drawList($("problems"), view.problems);
    $("disclosure").textContent = view.disclosure;
  }

  function drawGauge(gauge) {
    const fill = $("gauge-fill");
    fill.setAttribute("stroke-dasharray", `${gauge.fill * 100} 100`);
    fill.style.stroke = gauge.color;
    fill.classList.toggle("empty", gauge.fill <= 0); // a round cap would still draw a dot
    $("engagement-value").textContent = gauge.text;
  }

  function drawEmotions(emotion) {
    $("emotion-caption").textContent = emotion.caption;
    const bar = $("emotion-bar");
    const legend = $("emotion-legend");
    bar.hidden = !emotion.bar;
    bar.replaceChildren();
    legend.replaceChildren();
    for (const s of emotion.segments) {
      const seg = document.createElement("span");
      seg.dataset.emotion = s.emotion;
      seg.style.width = `${s.width * 100}%`;
      seg.style.backgroundColor = s.color;
      seg.title = s.text;
      bar.append(seg);
      if (s.legend) {
        const item = document.createElement("span");
        const swatch = document.createElement("i");
        swatch.style.backgroundColor = s.color;
        item.append(swatch, s.text);
        legend.append(item);
      }
    }
  }

  function drawSparkline(sparkline) {
    $("spark-caption").textContent = sparkline.caption;
    const group = $("spark-lines");
    group.replaceChildren();
    for (const segment of sparkline.segments) {
      const line = document.createElementNS(SVG, "polyline");
      const points = segment.map(([x, y]) => `${(x * SPARK_W).toFixed(1)},${(y * SPARK_H).toFixed(1)}`);
      line.setAttribute("points", points.join(" "));
      line.style.stroke = sparkline.color;
      group.append(line);
    }
  }

  function drawTiles(grid) {
    const tiles = $("tiles");
    tiles.replaceChildren();
    tiles.style.gridTemplateColumns = `repeat(${Math.max(1, grid.cols)}, 1fr)`;
    for (const t of grid.tiles) {
      const tile = document.createElement("div");
      tile.className = "tile";
      tile.dataset.attention = t.attention;
      tile.style.backgroundColor = t.color;
      tile.textContent = t.text;
      tile.title = t.detail;
      tiles.append(tile);
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
        ws.send(JSON.stringify({ op: 1, d: { rpcVersion: RPC_VERSION, token, eventSubscriptions: OVERLAY_VIEW } }));
      } else if (op === 2) {
        attempt = 0;
        showBlank("connecting", "connected");
      } else if (op === 5 && d.eventType === "OverlayViewUpdated") {
        if (d.eventData.view_version === VIEW_VERSION) {
          draw(d.eventData);
        } else {
          showBlank("failed", `this overlay does not know view version ${d.eventData.view_version}`);
        }
      }
    };
    ws.onclose = (event) => {
      if (FATAL[event.code]) {
        showBlank("failed", FATAL[event.code]);
        return;
      }
      const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
      attempt += 1;
      showBlank("disconnected", `disconnected — retrying in ${Math.ceil(delay / 1000)} s`);
      setTimeout(connect, delay);
    };
  }

  if (!token) {
    showBlank("failed", "no token in the URL (#token=…)");
  } else {
    showBlank("connecting", "connecting…");
    connect();
  }
})();
