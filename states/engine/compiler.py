"""The state compiler: SLS trees -> high data -> the ordered low chunks a state run executes.

Public API (everything a caller needs; the stages live in sibling modules):

``render_high(ctx, mods, saltenv) -> (high, errors)``
    Render the SLS names ``mods`` (a list, or a comma separated string) of ``saltenv`` with their
    includes into one high data dict: ``{id: {"__sls__", "__env__", state: [fun, {arg: v}...]}}``
    plus ``"__extend__"`` / ``"__exclude__"`` lists. This is what ``state.show_sls`` shows.
``render_highstate(ctx, matches) -> (high, errors)``
    The same for a top-file result ``{saltenv: [sls, ...]}`` (``state.show_highstate``).
``compile_low(high, opts=None) -> list[dict]``
    extend -> verify -> ``_in``/prereq/use requisites -> exclude -> low chunks, sorted in execution
    order; exactly what Salt's state run compiles. Raises :class:`StateCompileError` (its
    ``errors`` list holds Salt-worded messages). ``high`` itself is not modified.
``compile_sls(ctx, mods, saltenv) -> list[dict]`` and ``compile_highstate(ctx, matches)``
    render + compile in one call; render errors raise :class:`StateCompileError` too.
``requisite_cycles(chunks)``
    Requisite cycles of compiled chunks, spelled out (for the runner's failure comments).

Stages: :mod:`.render` (SLS rendering, include/extend/exclude, auto order),
:mod:`.highdata` (extend, verify, exclude), :mod:`.requisites` (``_in`` forms, prereq, use),
:mod:`.lowchunks` (chunks and ordering).
"""

from __future__ import annotations

from typing import Any

from saline.errors import SalineError
from saline.states.engine.highdata import apply_exclude, reconcile_extend, verify_high
from saline.states.engine.lowchunks import LowChunkError, compile_high_data, copy_data
from saline.states.engine.requisites import requisite_cycles, requisite_in

__all__ = [
    "StateCompileError",
    "compile_high_data",
    "compile_highstate",
    "compile_low",
    "compile_sls",
    "render_high",
    "render_highstate",
    "requisite_cycles",
    "split_mods",
    "verify_high",
]


class StateCompileError(SalineError):
    """The state tree cannot be compiled; ``errors`` lists every problem found (Salt's wording)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors) if self.errors else "state compilation failed")


def split_mods(mods: Any) -> list[str]:
    """``"a,b"`` or ``["a", "b"]`` -> ``["a", "b"]`` (Salt's ``split_input``)."""
    if mods is None:
        return []
    if isinstance(mods, (list, tuple)):
        items: list[Any] = list(mods)
    else:
        items = str(mods).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def render_high(ctx: Any, mods: Any, saltenv: str = "base", *,
                context: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """High data of the SLS names ``mods`` in ``saltenv`` and the errors met while rendering."""
    from saline.states.engine.render import TreeRenderer

    return TreeRenderer(ctx).render_highstate({saltenv: split_mods(mods)}, context=context)


def render_highstate(ctx: Any, matches: dict[str, list[str]], *,
                     context: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """High data of a top-file match result ``{saltenv: [sls, ...]}``."""
    from saline.states.engine.render import TreeRenderer

    return TreeRenderer(ctx).render_highstate(matches, context=context)


def compile_low(high: dict[str, Any], opts: dict[str, Any] | None = None, *,
                render_errors: list[str] | tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The ordered low chunks of ``high`` (not modified); :class:`StateCompileError` on errors.

    ``render_errors`` (from rendering ``high``) are reported together with the structural errors
    found in ``high``, like Salt's ``state.show_lowstate`` does.
    """
    high = copy_data(high)
    errors: list[str] = list(render_errors)
    high, ext_errors = reconcile_extend(high)
    errors += ext_errors
    errors += verify_high(high)
    if errors:  # like Salt's state run: malformed high data never reaches the requisite stage
        raise StateCompileError(errors)
    high, req_errors = requisite_in(high, opts)
    errors += req_errors
    high = apply_exclude(high)
    if errors:
        raise StateCompileError(errors)
    try:
        return compile_high_data(high)
    except LowChunkError as exc:
        raise StateCompileError([str(exc)]) from None


def compile_sls(ctx: Any, mods: Any, saltenv: str = "base") -> list[dict[str, Any]]:
    """Render and compile SLS names: the chunks ``state.sls`` runs."""
    high, errors = render_high(ctx, mods, saltenv)
    return compile_low(high, getattr(ctx, "opts", None), render_errors=errors)


def compile_highstate(ctx: Any, matches: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Render and compile a top-file match result: the chunks ``state.highstate`` runs."""
    high, errors = render_highstate(ctx, matches)
    return compile_low(high, getattr(ctx, "opts", None), render_errors=errors)
