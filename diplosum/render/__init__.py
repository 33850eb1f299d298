"""Renderers: a Brief in, text out. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from diplosum.contracts.brief import Brief
from diplosum.render.markdown import render_markdown


def render_html(brief: Brief) -> str:
    """``diplosum.render.html.render_html``, imported when first used (jinja2 is not
    needed before the first model call)."""
    from diplosum.render.html import render_html as render

    return render(brief)


def warm_up() -> None:
    """Import and compile what rendering needs (jinja2, every template), so the first
    render does not pay for it; the pipeline calls it in a thread while it waits for
    answers. Thread-safe (jinja2's template cache is)."""
    from diplosum.render.html import _environment

    env = _environment()
    for name in env.list_templates(extensions=["j2"]):
        env.get_template(name)


#: Every output format (``brief(formats=...)`` picks those proved to render).
RENDERERS: Sequence[Callable[[Brief], str]] = (render_markdown, render_html)
#: The same, by the names ``brief(formats=...)`` takes.
RENDERERS_BY_FORMAT: dict[str, Callable[[Brief], str]] = {
    "markdown": render_markdown,
    "html": render_html,
}
#: What ``brief(formats=...)`` proves for each ``--format`` of the CLI: what it writes.
FORMATS_TO_PROVE: dict[str, tuple[str, ...]] = {"md": ("markdown",), "html": ("html",), "json": ()}
