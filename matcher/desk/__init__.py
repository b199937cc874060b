"""The matching desk (匹配服务窗口): server-rendered pages for public employment offices."""
