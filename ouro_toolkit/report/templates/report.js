// The gallery: filters, paging and region selection over the rows packed into this page.
// Row text is only ever put into the document with textContent (never as markup).
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const meta = JSON.parse(document.getElementById("ouro-meta").textContent);
  const thumbs = JSON.parse(document.getElementById("ouro-thumbs").textContent);
  const view = { rows: [], shown: [], page: 0 };

  async function unpack(id) {
    // gzip-compressed JSON, base64: the browser's own DecompressionStream, nothing fetched
    const text = document.getElementById(id).textContent.trim();
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  function $(id) { return document.getElementById(id); }

  function colour(depth) {
    return depth === 0 ? "#888888" : meta.colours[(depth - 1) % meta.colours.length];
  }

  function searchText(row) {
    if (row._search === undefined) {
      row._search = (row.d0 + "\n" + row.r.map((r) => r[8]).join("\n")).toLowerCase();
    }
    return row._search;
  }

  function filters() {
    return {
      status: $("f-status").value,
      source: $("f-source").value,
      text: $("f-text").checked,
      regions: parseInt($("f-regions").value, 10) || 0,
      search: $("f-search").value.trim().toLowerCase(),
    };
  }

  function matches(row, f) {
    if (f.status && (f.status === "ok") !== (row.st === "ok")) return false;
    if (f.source && row.src !== f.source) return false;
    if (f.text && !row.txt) return false;
    if (row.r.length < f.regions) return false;
    return !f.search || searchText(row).includes(f.search);
  }

  function applyFilters() {
    const f = filters();
    view.shown = [];
    view.rows.forEach((row, i) => { if (matches(row, f)) view.shown.push(i); });
    view.page = 0;
    render();
  }

  function pages() { return Math.max(1, Math.ceil(view.shown.length / meta.pageSize)); }

  function render() {
    const box = $("rows");
    box.replaceChildren();
    const start = view.page * meta.pageSize;
    for (const i of view.shown.slice(start, start + meta.pageSize)) box.appendChild(card(i));
    $("shown-rows").textContent = String(view.shown.length);
    $("page").textContent = String(view.page + 1);
    $("pages").textContent = String(pages());
    $("prev").disabled = view.page === 0;
    $("next").disabled = view.page + 1 >= pages();
  }

  function rect(x0, y0, x1, y1, cls) {
    const el = document.createElementNS(SVG, "rect");
    el.setAttribute("x", x0);
    el.setAttribute("y", y0);
    el.setAttribute("width", Math.max(0, x1 - x0));
    el.setAttribute("height", Math.max(0, y1 - y0));
    el.setAttribute("class", cls);
    return el;
  }

  function fill(node, selector, text) { node.querySelector(selector).textContent = text; }

  function card(index) {
    const row = view.rows[index];
    const node = $("card-template").content.firstElementChild.cloneNode(true);
    node.dataset.row = String(index);
    fill(node, ".row-id", row.id);
    fill(node, ".status", row.st);
    node.querySelector(".status").classList.add(row.st === "ok" ? "ok" : "bad");
    fill(node, ".source", row.src + (row.task ? " · " + row.task : ""));
    fill(node, ".error", row.err);
    fill(node, ".d0", row.d0 || "(none)");
    if (row.ts) fill(node, ".truth-scores", truthLine(row.ts));
    const qa = node.querySelector(".qa");
    for (const [aspect, question, answer] of row.qa) {
      const li = document.createElement("li");
      const tag = document.createElement("span");
      tag.className = "aspect";
      tag.textContent = "[" + aspect + "] ";
      const a = document.createElement("span");
      a.className = "answer";
      a.textContent = answer;
      li.append(tag, document.createTextNode(question), a);
      qa.appendChild(li);
    }
    picture(node, row, index);
    regionList(node, row);
    return node;
  }

  function truthLine(t) {
    return "vs truth: region labels " + t.labels_right + "/" + t.regions + " right; d0 names " +
      t.d0_named + "/" + t.d0_objects + " true objects (colour right for " + t.d0_colour_right +
      "); QA " + t.qa_exact_questions + "/" + t.qa + " exact questions, " + t.qa_right + " answered right";
  }

  function picture(node, row, index) {
    const holder = node.querySelector(".picture");
    const img = holder.querySelector("img");
    const svg = holder.querySelector("svg");
    if (!thumbs[index] || !row.w) {
      holder.classList.add("empty");
      img.remove();
      svg.remove();
      return;
    }
    holder.style.aspectRatio = row.w + " / " + row.h;
    img.src = "data:image/jpeg;base64," + thumbs[index];
    svg.setAttribute("viewBox", "0 0 " + row.w + " " + row.h);
    // parents before children: a deeper box is drawn on top and takes the pointer first
    row.r.forEach((r, n) => {
      if (r[0] < 0) return; // the root is the whole image: chosen from the list
      const el = rect(r[2], r[3], r[4], r[5], "box");
      el.setAttribute("stroke", colour(r[1]));
      el.dataset.node = String(n);
      const tip = document.createElementNS(SVG, "title");
      tip.textContent = n + " " + (r[8] || r[7]);
      el.appendChild(tip);
      svg.appendChild(el);
    });
    if (row.tb) {
      const sx = row.w / (row.tw || row.w), sy = row.h / (row.th || row.h);
      for (const [x0, y0, x1, y1] of row.tb) svg.appendChild(rect(x0 * sx, y0 * sy, x1 * sx, y1 * sy, "truth"));
    }
  }

  function regionList(node, row) {
    const list = node.querySelector(".regions");
    row.r.forEach((r, n) => {
      const li = document.createElement("li");
      li.dataset.node = String(n);
      li.style.paddingLeft = 4 + 14 * r[1] + "px";
      li.style.borderLeftColor = colour(r[1]);
      li.textContent = n + " " + (r[8] || "(no label)") + " · " + r[7];
      list.appendChild(li);
    });
  }

  function show(node, n) {
    const row = view.rows[Number(node.dataset.row)];
    const svg = node.querySelector("svg");
    node.querySelectorAll(".sel, .parent, .child").forEach((el) => el.classList.remove("sel", "parent", "child"));
    if (svg) svg.classList.toggle("focus", n !== null);
    if (n === null) {
      fill(node, ".ri-id", "hover or select a region");
      for (const key of ["label", "description", "proposer", "score", "ocr"]) fill(node, ".ri-" + key, "");
      return;
    }
    const r = row.r[n];
    const mark = (m, cls) => node.querySelectorAll('[data-node="' + m + '"]').forEach((el) => el.classList.add(cls));
    mark(n, "sel");
    if (r[0] >= 0) mark(r[0], "parent");
    row.r.forEach((c, m) => { if (c[0] === n) mark(m, "child"); });
    fill(node, ".ri-id", "#" + n + " · depth " + r[1] + " · [" + r.slice(2, 6).map((v) => Math.round(v)).join(", ") + "]");
    fill(node, ".ri-label", r[8]);
    fill(node, ".ri-description", r[9]);
    fill(node, ".ri-proposer", r[7]);
    fill(node, ".ri-score", r[6].toFixed(3));
    fill(node, ".ri-ocr", r[10]);
  }

  function target(event) {
    const el = event.target.closest("[data-node]");
    const node = event.target.closest("article.row");
    return el && node ? [node, Number(el.dataset.node)] : null;
  }

  function wire() {
    const box = $("rows");
    box.addEventListener("mouseover", (event) => {
      const hit = target(event);
      if (hit) show(hit[0], hit[1]);
    });
    box.addEventListener("mouseout", (event) => {
      const hit = target(event);
      if (hit) show(hit[0], hit[0].dataset.selected !== undefined ? Number(hit[0].dataset.selected) : null);
    });
    box.addEventListener("click", (event) => {
      const hit = target(event);
      if (!hit) return;
      hit[0].dataset.selected = String(hit[1]);
      show(hit[0], hit[1]);
    });
    for (const id of ["f-status", "f-source", "f-text", "f-regions", "f-search"]) $(id).addEventListener("input", applyFilters);
    const truth = $("f-truth");
    if (truth) truth.addEventListener("change", () => document.body.classList.toggle("show-truth", truth.checked));
    $("prev").addEventListener("click", () => { view.page = Math.max(0, view.page - 1); render(); });
    $("next").addEventListener("click", () => { view.page = Math.min(pages() - 1, view.page + 1); render(); });
  }

  unpack("ouro-rows").then((rows) => {
    view.rows = rows;
    wire();
    applyFilters();
    document.body.dataset.ready = String(performance.now());
  });
})();
