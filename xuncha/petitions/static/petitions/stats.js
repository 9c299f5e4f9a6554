// The statistics page's charts; the figures come from the page's JSON block.
document.addEventListener("DOMContentLoaded", function () {
  const d = JSON.parse(document.getElementById("stats-data").textContent);
  const pie = (id, title, rows) => echarts.init(document.getElementById(id)).setOption({title:{text:title,left:"center",textStyle:{fontSize:14}},tooltip:{trigger:"item"},series:[{type:"pie",radius:["35%","65%"],top:30,data:rows}]});
  pie("c-channel","按渠道",d.channel); pie("c-state","按状态",d.state); pie("c-kind","按类别",d.kind);
  echarts.init(document.getElementById("c-category")).setOption({title:{text:"按问题类型",left:"center",textStyle:{fontSize:14}},tooltip:{},grid:{left:200,top:30},xAxis:{type:"value"},yAxis:{type:"category",data:d.category.map(r=>r.name).reverse()},series:[{type:"bar",data:d.category.map(r=>r.value).reverse()}]});
});
