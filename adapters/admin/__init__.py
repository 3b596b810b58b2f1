"""The admin web page for editors: articles, gaps, feedback, usage and Try it (Starlette, Jinja2, htmx)."""
