"""Server-rendered console (Jinja2 + htmx, zh-CN first): shared layout, templating, home page."""
