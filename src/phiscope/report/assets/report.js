(function(){
"use strict";
var D=JSON.parse(document.getElementById("data").textContent);
var PAGE=50,page=0,spage=0,sortK=5,sortDir=-1,view=D.f;
function $(id){return document.getElementById(id)}
function el(tag,cls,txt){var x=document.createElement(tag);if(cls)x.className=cls;if(txt!=null)x.textContent=txt;return x}
function fill(sel,arr){arr.map(function(v,i){return [v,i]}).sort(function(a,b){return a[0]<b[0]?-1:a[0]>b[0]?1:0})
 .forEach(function(p){var o=el("option",null,p[0]);o.value=String(p[1]);sel.appendChild(o)})}
fill($("fb"),D.b);fill($("ft"),D.t);fill($("fx"),D.x);
function fmt(n){return n.toLocaleString("en-US")}
function apply(){
 var q=$("q").value.toLowerCase(),b=$("fb").value,t=$("ft").value,s=+$("fs").value,x=$("fx").value,m=$("fm").checked;
 view=D.f.filter(function(r){
  if(!m&&r[9])return false; if(b!==""&&r[0]!=+b)return false; if(t!==""&&r[3]!=+t)return false;
  if(r[5]<s)return false; if(x!==""&&r[6]!=+x)return false;
  if(q&&(D.b[r[0]]+"/"+D.d[r[1]]+r[2]).toLowerCase().indexOf(q)<0)return false; return true});
 view.sort(function(a,b){return sortDir*(a[sortK]-b[sortK])||(b[4]-a[4])});
 page=0;draw()}
function draw(){
 var tb=$("rows");tb.textContent="";var n=view.length,start=page*PAGE,end=Math.min(n,start+PAGE);
 for(var i=start;i<end;i++){var r=view[i],tr=el("tr",r[9]?"m":null),sv=D.s[r[5]];
  var td=el("td");td.appendChild(el("span","sev sev-"+sv,sv.toUpperCase()));tr.appendChild(td);
  tr.appendChild(el("td","obj",D.p[r[0]]+D.d[r[1]]+r[2]));
  tr.appendChild(el("td",null,D.t[r[3]]));tr.appendChild(el("td","num",fmt(r[4])));
  tr.appendChild(el("td",null,D.x[r[6]]));tr.appendChild(el("td","where",r[7]));
  var ex=el("td","ex",r[8]);if(r[9]){ex.appendChild(el("div","mutedtag","muted: "+D.r[r[9]-1]))}tr.appendChild(ex);
  tb.appendChild(tr)}
 if(!n){var tr0=el("tr"),c=el("td","muted","No finding matches these filters.");c.colSpan=7;tr0.appendChild(c);tb.appendChild(tr0)}
 $("pageinfo").textContent=(n?fmt(start+1)+"–"+fmt(end):"0")+" of "+fmt(n)+" findings";
 $("prev").disabled=page==0;$("next").disabled=end>=n}
function sdraw(){
 var tb=$("skrows");tb.textContent="";var n=D.k.length,start=spage*PAGE,end=Math.min(n,start+PAGE);
 for(var i=start;i<end;i++){var r=D.k[i],tr=el("tr");
  tr.appendChild(el("td","obj",D.p[r[0]]+D.d[r[1]]+r[2]));
  tr.appendChild(el("td",null,r[3]?"partial":"skipped"));tr.appendChild(el("td",null,D.r[r[4]]));
  tr.appendChild(el("td","num",fmt(r[5])));tb.appendChild(tr)}
 if(!n){var tr0=el("tr"),c=el("td","ok","Every selected object was read completely.");c.colSpan=4;tr0.appendChild(c);tb.appendChild(tr0)}
 $("skipinfo").textContent="("+fmt(n)+")";
 $("spageinfo").textContent=(n?fmt(start+1)+"–"+fmt(end):"0")+" of "+fmt(n);
 $("sprev").disabled=spage==0;$("snext").disabled=end>=n}
["q","fb","ft","fs","fx","fm"].forEach(function(id){$(id).addEventListener(id=="q"?"input":"change",apply)});
$("prev").onclick=function(){page--;draw()};$("next").onclick=function(){page++;draw()};
$("sprev").onclick=function(){spage--;sdraw()};$("snext").onclick=function(){spage++;sdraw()};
Array.prototype.forEach.call(document.querySelectorAll(".ft th[data-k]"),function(th){th.onclick=function(){
 var k=+th.getAttribute("data-k");sortDir=(sortK==k)?-sortDir:-1;sortK=k;apply()}});
apply();sdraw();document.body.setAttribute("data-ready","1");
})();
