"""Salt's ``highstate`` outputter: one block per state, then a summary per minion.

Layout, colours and counting follow Salt 3007 byte for byte (colours only on a terminal):

* ``state_output``: ``full`` (default) blocks for every state; ``terse`` one line per state;
  ``mixed`` one line unless the state failed; ``changes`` one line unless it failed or changed;
  the ``_id`` variants show the state ID instead of the name.
* ``state_verbose: False`` hides states that succeeded without changes;
  ``state_output_profile`` (default on) shows ``Started``/``Duration`` and the total run time;
  ``state_output_pct`` adds success/failure percentages.
* A list return (render or compile errors) prints ``Data failed to compile:`` and the errors.
"""

from __future__ import annotations

import pprint
import textwrap
from typing import Any

from saline.output.colors import palette

_LABELS = {True: "Succeeded", False: "Failed", None: "Not Run", "warnings": "Warnings"}


def _strip_esc(text: str) -> str:
    """Escape sequences inside data must not reach the terminal (Salt prints them as ``?``)."""
    return text.replace("\033", "?")


def _nested(changes: Any, opts: dict[str, Any]) -> str:
    from saline.output.nested import _Nested

    lines: list[str] = []
    _Nested(bool(opts.get("color"))).display(changes, 14, "", lines)
    return "\n".join(lines)


def _format_changes(changes: Any, opts: dict[str, Any]) -> tuple[bool, str]:
    if not changes:
        return False, ""
    if not isinstance(changes, dict):
        return True, f"Invalid Changes data: {changes}"
    sub = changes.get("ret")
    if sub is not None and changes.get("out") == "highstate" and isinstance(sub, dict):
        text = ""
        changed = False
        for host, hostdata in sub.items():
            block, host_changed = _format_host(host, hostdata, opts)
            text += "\n" + "\n".join(" " * 14 + line for line in block.splitlines())
            changed = changed or host_changed
        return changed, text
    return True, "\n" + _nested(changes, opts)


def _format_terse(tcolor: str, comps: list[str], ret: dict[str, Any], c: dict[str, str],
                  opts: dict[str, Any]) -> str:
    result = "Clean"
    if ret["changes"]:
        result = "Changed"
    if ret["result"] is False:
        result = "Failed"
    elif ret["result"] is None:
        result = "Differs"
    text = ""
    if "warnings" in ret:
        text += f"{c['LIGHT_RED']}Warnings:\n" + "\n".join(ret["warnings"]) + c["ENDC"]
    text += f" {tcolor} Name: {comps[2]} - Function: {comps[0]}.{comps[-1]} - Result: {result}"
    if opts.get("state_output_profile", True) and "start_time" in ret:
        text += f" - Started: {ret['start_time']} - Duration: {ret['duration']} ms"
    return text + c["ENDC"]


def _comment_text(ret: dict[str, Any]) -> str:
    comment = ret["comment"]
    if not isinstance(comment, str):
        comment = str(comment)
    comment = comment.strip().replace("\n", "\n" + " " * 14)
    data = ret.get("data")
    if "data" in ret:
        if isinstance(data, list):
            for item in data:
                comment = f"{comment} {item}"
        elif isinstance(data, dict):
            for key, value in data.items():
                comment = f"{comment}\n\t\t{key}: {value}"
        else:
            comment = f"{comment} {data}"
    return comment


def _format_host(host: Any, data: Any, opts: dict[str, Any]) -> tuple[str, bool]:
    c = palette(bool(opts.get("color")))
    profile = opts.get("state_output_profile", True)
    hcolor = c["GREEN"]
    hstrs: list[str] = []
    nchanges = 0
    rcounts: dict[Any, int] = {}
    rdurations: list[float] = []
    pdurations: list[float] = []

    if isinstance(data, (bool, int)):
        nchanges = 1
        hstrs.append(f"{hcolor}    {data}{c['ENDC']}")
        hcolor = c["CYAN"]
    elif isinstance(data, str):
        nchanges = 1
        for line in data.splitlines():
            hstrs.append(f"{hcolor}    {line}{c['ENDC']}")
        hcolor = c["CYAN"]
    elif isinstance(data, list):
        hcolor = c["LIGHT_RED"]
        hstrs.append(f"    {hcolor}Data failed to compile:{c['ENDC']}")
        for err in data:
            hstrs.append(f"{hcolor}----------\n    {_strip_esc(str(err))}{c['ENDC']}")
    elif isinstance(data, dict):
        states: dict[str, dict[str, Any]] = {}
        for tname, info in data.items():
            if isinstance(info, dict) and tname != "changes" and info and "__run_num__" not in info:
                hstrs.insert(0, pprint.pformat(info))
                hstrs.insert(0, "The State execution failed to record the order in which all states were "
                                "executed. The state return missing data is:")
            if isinstance(info, dict) and "result" in info:
                states[tname] = dict(info)
        for tname in sorted(states, key=lambda k: states[k].get("__run_num__", 0)):
            ret = states[tname]
            rcounts[ret["result"]] = rcounts.get(ret["result"], 0) + 1
            durations = pdurations if "__parallel__" in ret else rdurations
            duration = ret.get("duration", 0)
            try:
                durations.append(float(duration))
            except (TypeError, ValueError):
                try:
                    durations.append(float(str(duration).partition(" ms")[0]))
                except ValueError:
                    pass
            tcolor = c["GREEN"]
            if ret.get("name") in ("state.orch", "state.orchestrate", "state.sls"):
                nested = output(ret["changes"], opts, indent_level=2).rstrip("\n")
                ctext = "\n".join(" " * 14 + line for line in ("\n" + nested).split("\n"))
                schanged = True
                nchanges += 1
            else:
                schanged, ctext = _format_changes(ret["changes"], opts)
                nchanges += 1 if schanged else 0
            if opts.get("state_output_diff", False) and ret["result"] and not schanged:
                continue
            if not _verbose(opts) and ret["result"] and not schanged:
                continue
            if schanged:
                tcolor = c["CYAN"]
            if ret["result"] is False:
                hcolor = tcolor = c["RED"]
            if ret["result"] is None:
                hcolor = tcolor = c["LIGHT_YELLOW"]
            mode = str(opts.get("state_output") or "full").lower()
            comps = tname.split("_|-")
            if len(comps) < 4:
                comps = [*comps, "", "", "", ""][:4]
            if mode.endswith("_id"):
                comps[2] = comps[1]
            if (mode.startswith("terse") or (mode.startswith("mixed") and ret["result"] is not False)
                    or (mode.startswith("changes") and ret["result"] and not schanged)):
                hstrs.append(_format_terse(tcolor, comps, ret, c, opts))
                continue
            end = c["ENDC"]
            lines = [
                f"{tcolor}----------{end}",
                f"    {tcolor}      ID: {comps[1]}{end}",
                f"    {tcolor}Function: {comps[0]}.{comps[3]}{end}",
                f"    {tcolor}  Result: {ret['result']!s}{end}",
                f"    {tcolor} Comment: {_comment_text(ret)}{end}",
            ]
            if profile and "start_time" in ret:
                duration_text = f"{ret['duration']} ms" if ret.get("duration", "") != "" else ""
                lines.append(f"    {tcolor} Started: {ret['start_time']!s}{end}")
                lines.append(f"    {tcolor}Duration: {duration_text}{end}")
            if comps[1] != comps[2]:
                lines.insert(3, f"    {tcolor}    Name: {comps[2]}{end}")
            hstrs.extend(lines)
            hstrs.append(f"{tcolor}     Changes:   {ctext}{end}")
            if "warnings" in ret:
                rcounts["warnings"] = rcounts.get("warnings", 0) + 1
                wrapper = textwrap.TextWrapper(width=80, initial_indent=" " * 14, subsequent_indent=" " * 14)
                hstrs.append(f"   {c['LIGHT_RED']} Warnings: "
                             f"{wrapper.fill(chr(10).join(ret['warnings'])).lstrip()}{end}")
        hstrs.extend(_summary(host, rcounts, nchanges, rdurations, pdurations, c, opts))

    hstrs.insert(0, f"{hcolor}{_strip_esc(str(host))}:{c['ENDC']}")
    return "\n".join(hstrs), nchanges > 0


def _verbose(opts: dict[str, Any]) -> bool:
    value = opts.get("state_verbose", True)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _summary(host: Any, rcounts: dict[Any, int], nchanges: int, rdurations: list[float],
             pdurations: list[float], c: dict[str, str], opts: dict[str, Any]) -> list[str]:
    end = c["ENDC"]
    count_len = max([len(str(x)) for x in rcounts.values()] or [0])
    label_len = max(len(x) for x in _LABELS.values())
    width = label_len + count_len + 2

    def counts(label: str, count: Any) -> str:
        return f"{label}: {count:>{width - (len(label) + 2)}}"

    out = [f"{c['CYAN']}\nSummary for {host}\n{'-' * width}{end}"]
    stats = []
    if rcounts.get(None, 0) > 0:
        stats.append(f"{c['LIGHT_YELLOW']}unchanged={rcounts.get(None, 0)}{end}")
    if nchanges > 0:
        stats.append(f"{c['GREEN']}changed={nchanges}{end}")
    changestats = f" ({', '.join(stats)})" if stats else ""
    succeeded = rcounts.get(True, 0) + rcounts.get(None, 0)
    out.append(f"{c['GREEN']}{counts(_LABELS[True], succeeded)}{end}{changestats}")
    failed = rcounts.get(False, 0)
    out.append(f"{c['RED'] if failed else c['CYAN']}{counts(_LABELS[False], failed)}{end}")
    total = sum(rcounts.values()) - rcounts.get("warnings", 0)
    if opts.get("state_output_pct", False) and total:
        out.append(f"{c['GREEN']}{counts('Success %', round(succeeded / total * 100, 2))}{end}")
        out.append(f"{c['RED'] if failed else c['CYAN']}{counts('Failure %', round(failed / total * 100, 2))}"
                   f"{end}")
    warnings = rcounts.get("warnings", 0)
    if warnings:
        out.append(f"{c['LIGHT_RED']}{counts(_LABELS['warnings'], warnings)}{end}")
    out.append(f"{c['CYAN']}{'-' * width}\nTotal states run: {total:>{width - 7}}{end}")
    if opts.get("state_output_profile", True):
        total_ms = sum(rdurations) + (max(pdurations) if pdurations else 0)
        unit = "ms"
        if total_ms > 999:
            total_ms /= 1000
            unit = "s"
        out.append(f"{c['CYAN']}Total run time: {f'{total_ms:.3f}'.rjust(width - 5)} {unit}{end}")
    return out


def output(data: Any, opts: dict[str, Any], fmt: str = "highstate", indent_level: int = 1) -> str:
    if isinstance(data, dict) and "return" in data:
        data = data["return"]
    if isinstance(data, dict) and "data" in data:
        data = data["data"]
    if isinstance(data, dict) and len(data) == 1:
        inner = next(iter(data.values()))
        if isinstance(inner, dict) and "jid" in inner and "fun" in inner:
            data = (inner.get("return") or {}).get("data", data)
    if isinstance(data, (int, str)):
        return f"{data}\n"
    if data is None:
        return "None\n"
    if not isinstance(data, dict):
        return f"{data}\n"
    blocks = [_format_host(host, hostdata, opts)[0] for host, hostdata in data.items()]
    return "\n".join(blocks) + "\n" if blocks else ""
