"""The contract between state modules and the state runner (DESIGN.md §5).

A state function receives ``ctx`` in *planning* mode (``@action`` execution functions are refused)
and the state's arguments. It queries the system and returns either

* a finished result ``ret(name, result, changes, comment)`` - already in the desired state, or a
  failure found while planning; or
* a :class:`Plan` - the changes it predicts and a callable that makes them true.

The runner reports a Plan as ``result: None`` with the predicted changes under ``test=True``, and
otherwise calls ``plan.apply(ctx)`` with a context allowed to act. So a dry run and a real run can
never disagree about what would change, and a state can never change the system under test=True.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def ret(name: str, result: bool | None = True, changes: dict[str, Any] | None = None,
        comment: str | list[str] = "") -> dict[str, Any]:
    """A state return in Salt's shape (the runner adds ids, timings and run numbers)."""
    return {"name": name, "result": result, "changes": changes or {}, "comment": comment}


@dataclass
class Plan:
    """Predicted changes plus the action that performs them.

    ``apply(ctx)`` returns a state return (see :func:`ret`); its ``changes`` should equal the
    prediction when all went well. ``test_comment`` is shown under test=True.
    """

    name: str
    changes: dict[str, Any]
    test_comment: str
    apply: Callable[[Any], dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)


StateFunction = Callable[..., "dict[str, Any] | Plan"]


class StateModule:
    """A state module: ``st = StateModule("file")`` then ``@st.state`` on each state function.

    ``@st.watch`` marks the ``mod_watch`` handler run when a watched state changed.
    """

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.doc = doc
        self.functions: dict[str, StateFunction] = {}
        self.mod_watch: StateFunction | None = None
        # True when the module's states run ``check_cmd`` themselves (file.managed tests the new contents
        # before installing them), so the runner must not run it again afterwards, as in Salt.
        self.handles_check_cmd = False
        # True for Salt-style custom modules (saltutil.sync_states): their functions get a context that
        # may act and honour ``test`` themselves, as Salt runs them; builtin ones plan, then apply.
        self.acts_itself = False

    def state(self, fn: StateFunction | None = None, *, name: str | None = None) -> Any:
        def register(f: StateFunction) -> StateFunction:
            self.functions[name or f.__name__.rstrip("_")] = f
            return f

        return register(fn) if fn is not None else register

    def watch(self, fn: StateFunction) -> StateFunction:
        self.mod_watch = fn
        return fn
