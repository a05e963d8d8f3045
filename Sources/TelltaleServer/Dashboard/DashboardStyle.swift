/// The dashboard's one style sheet, served at `/assets/app.css`: a light theme with WCAG AA contrast.
enum DashboardStyle {
    static let css = #"""
    :root { --bg: #f5f6f8; --card: #ffffff; --text: #1a202c; --muted: #4a5568; --line: #d5dae1;
      --link: #0b4fc4; --accent: #1d4ed8; --ok: #1f7a3f; --bad: #b42318; --warn: #9a5b00; --focus: #c2410c; }
    * { box-sizing: border-box; }
    html { font-size: 15px; }
    body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
      background: var(--bg); color: var(--text); line-height: 1.45; }
    a { color: var(--link); }
    a:hover { text-decoration-thickness: 2px; }
    :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
    .skip-link { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
    .skip-link:focus { left: .5rem; top: .5rem; }
    .topbar { background: #14213d; color: #fff; display: flex; flex-wrap: wrap; align-items: center; gap: .75rem 1.25rem;
      padding: .5rem 1.25rem; }
    .topbar a, .topbar button.link { color: #fff; }
    .brand { font-weight: 700; font-size: 1.1rem; text-decoration: none; }
    .nav { display: flex; flex-wrap: wrap; gap: .15rem; list-style: none; margin: 0; padding: 0; }
    .nav a { display: block; padding: .3rem .55rem; border-radius: 4px; text-decoration: none; }
    .nav a:hover { background: #263a66; }
    .nav a[aria-current="page"] { background: #e8eefc; color: #14213d; font-weight: 600; }
    .account { margin-left: auto; display: flex; align-items: center; gap: .6rem; flex-wrap: wrap; }
    .account form { display: inline-flex; gap: .35rem; align-items: center; margin: 0; }
    .account select { padding: .2rem; }
    form.inline { display: inline; margin: 0 .2rem 0 0; }
    #new-rule textarea { display: block; width: 100%; max-width: 48rem; font-family: monospace; margin: .3rem 0 .5rem; }
    main { max-width: 1320px; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
    h1 { font-size: 1.55rem; margin: .4rem 0 .8rem; word-break: break-word; }
    h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
    .muted { color: var(--muted); }
    .filters { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem;
      display: flex; flex-wrap: wrap; gap: .5rem .9rem; align-items: flex-end; margin-bottom: 1rem; }
    .filters fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem .75rem; align-items: flex-end; }
    .filters label { display: flex; flex-direction: column; font-size: .82rem; color: var(--muted); gap: .1rem; }
    .filters input[type=text] { width: 9.5rem; padding: .3rem .4rem; border: 1px solid #8a94a6; border-radius: 4px; font: inherit; }
    .ranges { display: flex; gap: .2rem; flex-wrap: wrap; }
    .ranges a { padding: .3rem .55rem; border: 1px solid #8a94a6; border-radius: 4px; text-decoration: none; color: var(--text); }
    .ranges a[aria-current="true"] { background: var(--accent); color: #fff; border-color: var(--accent); }
    button, .button { font: inherit; padding: .35rem .8rem; border-radius: 4px; border: 1px solid var(--accent);
      background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
    button.secondary, .button.secondary { background: #fff; color: var(--accent); }
    button.link { background: none; border: 0; padding: 0; text-decoration: underline; color: var(--link); }
    .notice { background: #fff7e6; border: 1px solid #e0a800; padding: .6rem .8rem; border-radius: 6px; margin: .6rem 0; }
    .error-box { background: #fdecec; border: 1px solid var(--bad); padding: .6rem .8rem; border-radius: 6px; margin: .6rem 0; }
    .empty { background: var(--card); border: 1px dashed #8a94a6; border-radius: 6px; padding: 1rem 1.2rem; margin: .8rem 0; }
    .empty pre, pre.code { background: #f0f2f5; padding: .6rem .8rem; border-radius: 4px; overflow-x: auto; white-space: pre-wrap;
      word-break: break-all; font-size: .88rem; }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .7rem; margin: .5rem 0 1rem; }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
    .card .label { font-size: .82rem; color: var(--muted); }
    .card .value { font-size: 1.45rem; font-weight: 650; }
    .grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: .9rem; }
    .panel { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .7rem .9rem; overflow-x: auto; }
    .panel h2 { margin-top: 0; }
    table.data { border-collapse: collapse; width: 100%; background: var(--card); font-variant-numeric: tabular-nums; }
    table.data th, table.data td { padding: .4rem .6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
    table.data th { background: #eef1f5; font-weight: 600; white-space: nowrap; }
    table.data td.num, table.data th.num { text-align: right; }
    table.data tbody tr:hover { background: #f7f9fc; }
    th a { color: var(--text); }
    .badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; }
    .badge.red { background: var(--bad); color: #fff; }
    .badge.green { background: #d9f2e1; color: #14532d; }
    .badge.amber { background: #fdf0d5; color: #7a4500; }
    .badge.gray { background: #e6e9ee; color: #2d3748; }
    .outcome-ok { color: var(--ok); }
    .outcome-bad { color: var(--bad); font-weight: 600; }
    .verdict { font-size: 1.05rem; font-weight: 600; padding: .6rem .8rem; border-left: 4px solid var(--accent);
      background: #eef3fd; border-radius: 4px; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
    dl.facts dt { color: var(--muted); }
    dl.facts dd { margin: 0; word-break: break-all; }
    details { margin: .2rem 0; }
    summary { cursor: pointer; color: var(--link); }
    .bar { display: block; height: .7rem; background: #4f74c4; min-width: 2px; }
    .bar.w0 { width: 2px; } .bar.w1 { width: 10%; } .bar.w2 { width: 20%; } .bar.w3 { width: 30%; } .bar.w4 { width: 40%; }
    .bar.w5 { width: 50%; } .bar.w6 { width: 60%; } .bar.w7 { width: 70%; } .bar.w8 { width: 80%; } .bar.w9 { width: 90%; }
    .bar.w10 { width: 100%; }
    .bar.bad { background: var(--bad); }
    .bar-cell { width: 15rem; white-space: nowrap; }
    .bar-track { display: inline-block; width: 8rem; vertical-align: middle; }
    ul.key { list-style: none; padding: 0; margin: .2rem 0 .8rem; }
    /* Error-rate heat scale: pale for the usual background, dark red for hot cells. */
    table.matrix td.cell { text-align: center; min-width: 6.5rem; }
    table.matrix td.cell .rate { font-weight: 650; display: block; }
    table.matrix td.cell .volume { font-size: .78rem; display: block; }
    .heat-0 { background: #f3f8f4; color: #1a202c; } .heat-1 { background: #eef6e9; color: #1a202c; }
    .heat-2 { background: #f8f3d9; color: #1a202c; } .heat-3 { background: #fbe9c0; color: #1a202c; }
    .heat-4 { background: #fbd3a0; color: #1a202c; } .heat-5 { background: #f6ae7e; color: #1a202c; }
    .heat-6 { background: #e8795a; color: #1a202c; } .heat-7 { background: #c9382c; color: #fff; }
    .heat-8 { background: #a31a1a; color: #fff; } .heat-9 { background: #6f0d0d; color: #fff; }
    .heat-none { background: #fff; color: var(--muted); }
    table.matrix td.cell a.cell-link { color: inherit; text-decoration: none; display: block; }
    table.matrix td.cell a.cell-link:hover { text-decoration: underline; }
    .hot-key { outline: 3px solid #111; outline-offset: -3px; background: #fff; }
    td.hot { outline: 3px solid #111; outline-offset: -3px; }
    .legend { display: flex; flex-wrap: wrap; gap: .25rem; align-items: center; font-size: .8rem; margin: .5rem 0; }
    .legend span.swatch { display: inline-block; padding: .15rem .4rem; border: 1px solid var(--line); }
    .multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: .7rem; }
    .multiple { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; }
    .multiple.dropped { border: 2px solid var(--bad); }
    .multiple h2 { font-size: 1rem; margin: 0 0 .2rem; display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
    svg.chart { width: 100%; height: auto; display: block; }
    svg.chart text { font-size: 11px; fill: #3a4556; font-family: inherit; }
    svg.chart .axis { stroke: #8a94a6; stroke-width: 1; }
    svg.chart .grid { stroke: #e3e7ed; stroke-width: 1; }
    svg.chart .line { fill: none; stroke: #1d4ed8; stroke-width: 2; }
    svg.chart .line.p95 { stroke: #7c3aed; }
    svg.chart .area { fill: #1d4ed8; fill-opacity: .12; stroke: none; }
    svg.chart .point { fill: #1d4ed8; }
    svg.chart .point.p95 { fill: #7c3aed; }
    svg.chart .hit { fill: transparent; }
    svg.chart .hit:hover { fill: #1d4ed8; fill-opacity: .08; }
    svg.chart .bar-calls { fill: #5b7fc7; }
    svg.chart .o-toolError { fill: #d97706; } svg.chart .o-error { fill: #b42318; }
    svg.chart .o-cancelled { fill: #6b7280; } svg.chart .o-noResponse { fill: #7c3aed; } svg.chart .o-ok { fill: #2f855a; }
    svg.chart .baseline { stroke: #9aa4b2; stroke-dasharray: 4 3; }
    svg.spark .line { stroke-width: 1.6; }
    svg.spark .line.dropped { stroke: var(--bad); }
    .key { display: flex; gap: .8rem; flex-wrap: wrap; font-size: .82rem; margin-top: .3rem; }
    .key i { display: inline-block; width: .8rem; height: .8rem; margin-right: .25rem; vertical-align: -1px; }
    .key .o-toolError { background: #d97706; } .key .o-error { background: #b42318; }
    .key .o-cancelled { background: #6b7280; } .key .o-noResponse { background: #7c3aed; }
    .login { max-width: 30rem; margin: 3rem auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1.2rem 1.4rem; }
    .login label { display: block; margin: .6rem 0 .25rem; font-weight: 600; }
    .login input[type=password] { width: 100%; padding: .45rem; font: inherit; border: 1px solid #8a94a6; border-radius: 4px; }
    .login button { margin-top: .8rem; }
    .refresh { font-size: .85rem; display: inline-flex; gap: .3rem; align-items: center; }
    .pager { margin: .6rem 0; display: flex; gap: .8rem; }
    .timeline td.offset { white-space: nowrap; color: var(--muted); }
    """#
}
