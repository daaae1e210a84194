/** The panel's stylesheet, served as `assets/panel.css` (the CSP allows no inline style). */
export const PANEL_CSS = String.raw`
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1f;background:#f3f4f6}
a{color:#1d4ed8}
.skip{position:absolute;left:-9999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem;top:.5rem}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.75rem 1.25rem;background:#0f172a;color:#fff}
.brand{font-weight:700;letter-spacing:.01em}
.brand-sub{font-weight:400;color:#cbd5e1}
.top nav ul{display:flex;flex-wrap:wrap;gap:.25rem;margin:0;padding:0;list-style:none}
.top nav a{display:inline-block;padding:.5rem .75rem;border-radius:.375rem;color:#e2e8f0;text-decoration:none;font-weight:600}
.top nav a:hover{background:#1e293b}
.top nav a[aria-current="page"]{background:#1d4ed8;color:#fff}
main{max-width:72rem;margin:0 auto;padding:1.25rem}
main:focus{outline:none}
h1{font-size:1.6rem;margin:0}
h2{font-size:1.2rem;margin:0}
h3{font-size:1.05rem;margin:0 0 .5rem}
.page-head{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.75rem;margin:.25rem 0 1rem}
.page-actions{display:flex;flex-wrap:wrap;gap:.5rem}
button{font:inherit;font-weight:600;min-height:2.5rem;padding:.4rem .9rem;border-radius:.375rem;border:2px solid #1d4ed8;background:#fff;color:#1d4ed8;cursor:pointer}
button.primary{background:#1d4ed8;color:#fff}
button.danger{background:#b91c1c;border-color:#b91c1c;color:#fff}
button.small{min-height:2rem;padding:.15rem .6rem;font-size:.875rem}
button.icon{border:none;font-size:1.5rem;line-height:1;min-height:2.5rem;min-width:2.5rem;padding:0;color:#374151}
button[disabled]{opacity:.6;cursor:progress}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,[role="tab"]:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
input,select,textarea{font:inherit;width:100%;min-height:2.5rem;padding:.4rem .6rem;border:2px solid #6b7280;border-radius:.375rem;background:#fff;color:inherit}
input[type="radio"],input[type="checkbox"]{width:1.15rem;min-height:1.15rem;height:1.15rem;margin:0;accent-color:#1d4ed8}
input[aria-invalid="true"],select[aria-invalid="true"]{border-color:#b91c1c}
label{font-weight:600}
.field{margin:0 0 1rem;border:none;padding:0}
.field>label{display:block;margin-bottom:.25rem}
legend{font-weight:600;padding:0;margin-bottom:.25rem}
.choice{display:inline-flex;align-items:center;gap:.5rem;font-weight:400;min-height:2.25rem;margin-right:1.25rem}
.choices-row{display:flex;flex-wrap:wrap}
.hint{color:#4b5563;font-size:.9rem;margin:0 0 .35rem}
.note{background:#fff7e6;border:1px solid #f2d39b;border-radius:.375rem;padding:.5rem .75rem;color:#713f12}
.search{margin:0 0 .75rem;max-width:32rem}
.search label{display:block;margin-bottom:.25rem}
.search-row{display:flex;gap:.5rem}
.notice-area:empty{display:none}
.notice-area{margin:0 0 .75rem}
.notice,.alert{padding:.6rem .9rem;border-radius:.375rem;margin:0}
.notice{background:#e7f5ec;color:#14532d;border:1px solid #b7e1c5}
.alert{background:#fdecea;color:#7f1d1d;border:1px solid #f5c2c0}
.form-error{background:#fdecea;color:#7f1d1d;border:1px solid #f5c2c0;border-radius:.375rem;padding:.5rem .75rem}
.list{background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.1);overflow-x:auto}
.empty{padding:1.25rem;margin:0;color:#4b5563}
table.grid{width:100%;border-collapse:collapse}
.grid th,.grid td{text-align:left;padding:.6rem .75rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
.grid th{background:#f9fafb;font-size:.85rem;text-transform:uppercase;letter-spacing:.03em;color:#374151}
.grid tr:last-child td{border-bottom:none}
.cell-name{font-weight:700}
.grid td{overflow-wrap:break-word}
.row-actions{display:flex;flex-wrap:wrap;gap:.375rem}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:.375rem;font-size:.85rem;font-weight:600;background:#e7f5ec;color:#14532d}
.badge.blocked{background:#fdecea;color:#7f1d1d}
.inline-list{margin:0;padding:0;list-style:none}
.inline-list li{display:flex;flex-wrap:wrap;align-items:center;gap:.375rem;margin:0 0 .25rem}
.muted{color:#6b7280}
.more{margin:.75rem 0}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
dialog.dlg{width:min(36rem,calc(100vw - 1.5rem));max-height:calc(100dvh - 1.5rem);border:none;border-radius:.75rem;padding:1.25rem;box-shadow:0 10px 40px rgba(0,0,0,.3)}
dialog.dlg::backdrop{background:rgba(15,23,42,.55)}
.dlg-head{display:flex;align-items:center;justify-content:space-between;gap:1rem;margin-bottom:.75rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.75rem;margin:.5rem 0}
.tile{display:flex;flex-direction:column;align-items:flex-start;gap:.25rem;text-align:left;min-height:5rem;padding:.9rem 1rem;border:2px solid #cbd5e1;color:#0f172a;font-size:1.05rem}
.tile:hover{border-color:#1d4ed8}
.tile-sub{font-weight:400;font-size:.875rem;color:#4b5563}
.tabs{display:flex;gap:.25rem;border-bottom:2px solid #e5e7eb;margin-bottom:1rem}
[role="tab"]{border:none;border-bottom:3px solid transparent;border-radius:.375rem .375rem 0 0;color:#374151;background:none}
[role="tab"][aria-selected="true"]{border-bottom-color:#1d4ed8;color:#1d4ed8}
.checklist{display:flex;flex-direction:column;gap:.25rem;max-height:16rem;overflow:auto;padding:.25rem}
.checklist .choice{margin:0}
.import-result:empty{display:none}
.import-result ul{margin:.5rem 0 0;padding-left:1.25rem}
.card{background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.1);padding:1rem;margin:0 0 1rem}
.chart svg{display:block;width:100%;max-width:60rem;height:auto;margin-top:.5rem}
.chart .bar-sent,.swatch.sent{fill:#2563eb;background:#2563eb}
.chart .bar-verified,.swatch.verified{fill:#16a34a;background:#16a34a}
.chart .bar-failed,.swatch.failed{fill:#dc2626;background:#dc2626}
.chart .axis{stroke:#9ca3af;stroke-width:1}
.chart text{font-size:13px;fill:#4b5563}
.legend{display:flex;gap:1rem;margin:.25rem 0 0;padding:0;list-style:none;font-size:.9rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.35rem;vertical-align:-.05rem}
.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:0 1rem;align-items:end;margin:0 0 1rem}
.filters .actions{margin:0 0 1rem}
details.numbers{margin-top:.5rem}
@media (min-width:40.01rem){.row-actions{flex-wrap:nowrap}}
@media (max-width:40rem){
  main{padding:.75rem}
  .top{padding:.5rem .75rem}
  .grid thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  .grid,.grid tbody,.grid tr,.grid td{display:block;width:100%}
  .grid tr{border-bottom:2px solid #e5e7eb;padding:.5rem 0}
  .grid td{border:none;padding:.25rem .75rem;display:grid;grid-template-columns:7.5rem minmax(0,1fr);gap:.5rem;overflow-wrap:anywhere}
  .grid td::before{content:attr(data-label);font-weight:600;color:#374151;font-size:.85rem}
  dialog.dlg{padding:1rem}
  .search-row button{flex:none}
}
`;
