<?xml version="1.0"?>
<!-- rasd fixture: CDF (Channel Definition Format). -->
<CHANNEL HREF="https://news.example/" LASTMOD="2024-12-19T06:30:00Z">
  <TITLE>قناة الرصد</TITLE>
  <ABSTRACT>ملخص القناة</ABSTRACT>
  <ITEM HREF="https://news.example/1" LASTMOD="2024-12-19T06:30:00+03:00">
    <TITLE>خبر أول</TITLE>
    <ABSTRACT>ملخص الخبر</ABSTRACT>
  </ITEM>
</CHANNEL>
