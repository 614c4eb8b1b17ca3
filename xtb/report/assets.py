"""The page's inline stylesheet and script: no external assets, so the report opens offline."""

CSS = """
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f5f6f8;--card:#fff;--pass:#15803d;--pass-bg:#dcfce7;
--fail:#b91c1c;--fail-bg:#fee2e2;--skip:#64748b;--skip-bg:#eef1f5;--accent:#1d4ed8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 ui-sans-serif,system-ui,-apple-system,"Segoe UI",
Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1320px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:24px;margin:0}
h2{font-size:18px;margin:32px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:22px 0 8px}
h4{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:18px 0 6px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
pre{white-space:pre-wrap;word-break:break-word;margin:0}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:14px 24px;background:var(--card);border:1px solid var(--line);
border-radius:10px;padding:18px 22px}
.top .meta{color:var(--muted);flex-basis:100%}
.top .meta b{color:var(--fg);font-weight:600}
.verdict{font-weight:700;padding:4px 12px;border-radius:999px;font-size:13px}
.verdict.fail{background:var(--fail);color:#fff}
.verdict.pass{background:var(--pass);color:#fff}
.verdict.incomplete{background:#b45309;color:#fff}
.verdicts ul{margin:4px 0;padding-left:18px}.verdicts li{margin:4px 0}.verdicts .verdict{font-size:11px}
.badges{display:flex;gap:10px;flex-wrap:wrap}
.badge{display:flex;flex-direction:column;align-items:center;min-width:92px;padding:8px 14px;border-radius:8px;
border:1px solid var(--line)}
.badge b{font-size:22px;line-height:1.1}
.badge span{font-size:12px;color:var(--muted)}
.badge.pass{background:var(--pass-bg);border-color:#bbf7d0}.badge.pass b{color:var(--pass)}
.badge.fail{background:var(--fail-bg);border-color:#fecaca}.badge.fail b{color:var(--fail)}
.badge.skip{background:var(--skip-bg)}.badge.skip b{color:var(--skip)}
.badge.zero{background:var(--card)}.badge.zero b{color:var(--muted)}
.venues{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:12px}
.vcard{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.vcard .name{font-weight:700;font-size:15px}
.vcard .sub{color:var(--muted);font-size:12px;margin:2px 0 8px}
.bar{display:flex;height:8px;border-radius:4px;overflow:hidden;background:var(--line);margin-top:8px}
.bar .pass{background:#22c55e}.bar .fail{background:#ef4444}.bar .skip{background:#cbd5e1}
.counts{font-size:12px;color:var(--muted);margin-top:6px}
.counts b.p{color:var(--pass)}.counts b.f{color:var(--fail)}.counts b.s{color:var(--skip)}
.env{display:inline-block;font-size:11px;font-weight:600;padding:1px 7px;border-radius:999px;background:#e0e7ff;
color:#3730a3;margin-left:6px;vertical-align:2px}
.env.mainnet{background:#fde68a;color:#92400e}.env.testnet{background:#cffafe;color:#155e75}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{padding:5px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:baseline}
th{font-size:12px;color:var(--muted);font-weight:600;background:#fafafa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:hover td{background:#f9fafb}
table.matrix{width:auto}
table.matrix th,table.matrix td{border:none;padding:2px;background:none}
table.matrix th.rot{height:190px;vertical-align:bottom;padding-bottom:6px}
table.matrix th.rot div{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:500;
color:var(--fg);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px}
table.matrix th.vname{padding-right:14px;text-align:right;color:var(--fg);font-size:13px;white-space:nowrap;
vertical-align:middle}
table.matrix td a,table.matrix td span{display:flex;align-items:center;justify-content:center;width:30px;height:30px;
border-radius:6px;font-weight:700;font-size:15px;text-decoration:none}
.c-passed{background:var(--pass-bg);color:var(--pass)}
.c-failed{background:#ef4444;color:#fff}
.c-skipped{background:var(--skip-bg);color:var(--skip)}
.c-error{background:#7f1d1d;color:#fff}.c-blocked{background:#fde68a;color:#92400e}
.c-interrupted,.c-timed_out{background:#fed7aa;color:#9a3412}
.c-none{background:repeating-linear-gradient(45deg,#f8fafc,#f8fafc 4px,#eef1f5 4px,#eef1f5 8px);color:#cbd5e1}
table.matrix td a:hover{outline:2px solid var(--fg);text-decoration:none}
.sim{font-family:ui-sans-serif,system-ui,sans-serif;font-size:10px;font-weight:700;color:#7c3aed}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;color:var(--muted);font-size:12px;margin-top:10px;align-items:center}
.legend i{display:inline-block;width:14px;height:14px;border-radius:4px;vertical-align:-2px;margin-right:5px}
.legend i.line{height:3px;border-radius:2px;vertical-align:3px;width:18px}
.pill{display:inline-block;min-width:62px;text-align:center;font-size:11px;font-weight:700;padding:2px 8px;
border-radius:999px;text-transform:uppercase;letter-spacing:.04em}
.pill.passed{background:var(--pass-bg);color:var(--pass)}.pill.failed{background:var(--fail);color:#fff}
.pill.skipped{background:var(--skip-bg);color:var(--skip)}
.pill.error{background:#7f1d1d;color:#fff}.pill.blocked{background:#fde68a;color:#92400e}
.pill.interrupted,.pill.timed_out{background:#fed7aa;color:#9a3412}
.failure{border-left:4px solid var(--fail);background:var(--card);border-radius:6px;padding:10px 14px;margin:10px 0;
border-top:1px solid var(--line);border-right:1px solid var(--line);border-bottom:1px solid var(--line)}
.failure .what{font-weight:600;margin-bottom:6px}
.reason{border-radius:6px;padding:10px 12px;margin:12px 0}
.reason.failed{background:#fef2f2;border:1px solid #fecaca;color:#7f1d1d}
.reason.skipped{background:#f8fafc;border:1px solid var(--line);color:#334155}
.reason .label{font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.05em;margin-bottom:4px}
.toolbar{display:flex;gap:8px;margin:-4px 0 10px}
button{font:inherit;font-size:12px;padding:4px 10px;border:1px solid var(--line);border-radius:6px;
background:var(--card);cursor:pointer}
button:hover{border-color:#9ca3af}
details.result{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:8px 0}
details.result.failed{border-left:4px solid var(--fail)}
details.result.passed{border-left:4px solid #22c55e}
details.result.skipped{border-left:4px solid #cbd5e1}
details.result:target{box-shadow:0 0 0 3px #93c5fd}
details.result>summary{cursor:pointer;padding:9px 14px;display:flex;gap:12px;align-items:baseline;list-style:none}
details.result>summary::-webkit-details-marker{display:none}
details.result>summary::before{content:"▸";color:var(--muted);width:10px}
details.result[open]>summary::before{content:"▾"}
details.result>summary .stitle{color:var(--muted);flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
details.result>summary .why{font-style:italic}
details.result>summary .dur{color:var(--muted);font-size:12px;font-variant-numeric:tabular-nums}
details.result .body{padding:0 18px 16px 36px;border-top:1px solid var(--line)}
.split{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:20px}
pre.doc{background:#f8fafc;border:1px solid var(--line);border-radius:6px;padding:10px 12px;color:#334155}
dl.metrics{display:grid;grid-template-columns:auto 1fr;gap:3px 14px;margin:0}
dl.metrics dt{color:var(--muted)}
dl.metrics dd{margin:0;font-variant-numeric:tabular-nums;font-weight:600}
svg.chart{width:100%;min-width:720px;height:auto;display:block;background:#fff}
.order{border:1px solid var(--line);border-radius:6px;margin:8px 0;overflow:hidden}
.order .ohead{background:#f8fafc;padding:6px 10px;font-size:13px;color:#374151}
.order table td,.order table th{border-bottom:1px solid #f1f5f9}
tr.anomaly td{background:#fff7ed!important;color:#9a3412;font-weight:600}
tr.omitted td{color:var(--muted);font-style:italic;text-align:center;background:#fafafa}
.warn{color:#c2410c;font-weight:600}
.st{display:inline-block;font-size:11px;font-weight:500;padding:0 6px;border-radius:4px;background:#f1f5f9;
color:#334155}
.s-filled{background:#dcfce7;color:#166534}.s-partially_filled{background:#ccfbf1;color:#115e59}
.s-open{background:#dbeafe;color:#1e40af}.s-cancelled{background:#f1f5f9;color:#475569}
.s-failed{background:#fee2e2;color:#991b1b}.s-submitting,.s-cancelling{background:#fef9c3;color:#854d0e}
.http2{color:var(--pass)}.http4{color:#c2410c}.http5{color:var(--fail);font-weight:700}
.note{color:var(--muted);font-size:12px}
table{font-variant-numeric:tabular-nums}
table.medians :is(td,th):nth-child(n+2),table.per-result :is(td,th):nth-child(n+4){text-align:right;white-space:nowrap}
table.attempts :is(td,th):is(:nth-child(1),:nth-child(4),:nth-child(5),:nth-child(6),:nth-child(n+9)),
table.timeline :is(td,th):is(:nth-child(1),:nth-child(2),:nth-child(5)),
table.transcript :is(td,th):is(:nth-child(1),:nth-child(4),:nth-child(5)){text-align:right;white-space:nowrap}
table.attempts td:is(:nth-child(2),:nth-child(3)),table.transcript td:is(:nth-child(2),:nth-child(3)){
font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px}
table.transcript td:nth-child(3){word-break:break-all}
table.attempts td:nth-child(8){white-space:nowrap}
table.attempts td:nth-child(8) i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.scroll{overflow-x:auto}
.url{word-break:break-all}
footer{color:var(--muted);font-size:12px;margin-top:40px}
@media print{details.result{break-inside:avoid}.toolbar{display:none}}
"""

SCRIPT = """
function openTarget(){var id=decodeURIComponent(location.hash.slice(1));var el=id&&document.getElementById(id);
if(el&&el.tagName==='DETAILS'){el.open=true;}}
window.addEventListener('hashchange',openTarget);openTarget();
function setAll(open){document.querySelectorAll('details.result').forEach(function(d){d.open=open;});}
document.getElementById('expand-all').addEventListener('click',function(){setAll(true);});
document.getElementById('collapse-all').addEventListener('click',function(){setAll(false);});
"""
