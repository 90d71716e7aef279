"""Salt's crontab layout as data: parse, render, and the edits ``cron.set_job`` & co. make.

Pure functions on a *tab* (``{pre, env, crons, special}``, the shape ``cron.list_tab`` returns), so
the ``cron`` execution module applies them and the ``cron`` states predict them from the same code.

Layout (byte-for-byte Salt's, so crontabs Salt managed are recognised)::

    <lines not managed by Salt>
    # Lines below here are managed by Salt, do not edit
    NAME=value
    # comment SALT_CRON_IDENTIFIER:id
    [#DISABLED#]m h dom mon dow command
    [#DISABLED#]@special command

A job is found by its identifier, or - for a line without one - by its command, as Salt does. A
changed job is removed and appended again (so it moves to the end), again as Salt does.
"""

from __future__ import annotations

import copy
import random
from typing import Any

TAG = "# Lines below here are managed by Salt, do not edit"
ID_MARK = "SALT_CRON_IDENTIFIER"
NO_ID = "NO ID SET"
TIME_FIELDS = ("minute", "hour", "daymonth", "month", "dayweek")

Tab = dict[str, list[Any]]


def empty() -> Tab:
    return {"pre": [], "crons": [], "special": [], "env": []}


def parse(text: str) -> Tab:
    """A crontab's text as a tab: lines before Salt's marker are kept verbatim in ``pre``."""
    tab = empty()
    managed = False
    comment: str | None = None
    identifier: str | None = None
    for line in text.splitlines():
        if line == TAG:
            managed = True
            continue
        if not managed:
            tab["pre"].append(line)
            continue
        disabled = line.startswith("#DISABLED#")
        if disabled:
            line = line[len("#DISABLED#"):]
        if line.startswith("@"):
            fields = line.split()
            if len(fields) < 2:
                continue
            tab["special"].append({"spec": fields[0], "cmd": " ".join(fields[1:]), "identifier": identifier,
                                   "comment": comment, "commented": disabled})
            comment = identifier = None
        elif line.startswith("#"):
            text_ = line.lstrip("# ")
            if ID_MARK in text_:
                before, _, after = text_.partition(ID_MARK)
                text_ = before.rstrip()
                if len(after) > 1:
                    identifier = after[1:]
            comment = text_ if comment is None else f"{comment}\n{text_}"
        elif line.find("=") > 0 and (" " not in line or line.index("=") < line.index(" ")):
            name, _, value = line.partition("=")
            tab["env"].append({"name": name, "value": value})
        elif len(line.split(" ")) > 5:
            fields = line.split(" ")
            job = dict(zip(TIME_FIELDS, fields[:5], strict=True))
            job.update({"identifier": identifier, "cmd": " ".join(fields[5:]), "comment": comment,
                        "commented": disabled})
            tab["crons"].append(job)
            comment = identifier = None
    return tab


def _comment_line(entry: dict[str, Any], strip: bool) -> str | None:
    if entry["comment"] is None and entry["identifier"] is None:
        return None
    line = "#"
    if entry["comment"]:
        text = str(entry["comment"])
        line += " " + (text.rstrip() if strip else text).replace("\n", "\n# ")
    if entry["identifier"]:
        line += f" {ID_MARK}:{entry['identifier']}"
    return line + "\n"


def render(tab: Tab) -> str:
    out = [f"{line}\n" for line in tab["pre"]]
    out.append(TAG + "\n")
    for env in tab["env"]:
        value = env["value"]
        out.append(f'{env["name"]}=""\n' if value is None or value == "" else f"{env['name']}={value}\n")
    for job in tab["crons"]:
        comment = _comment_line(job, strip=False)
        if comment:
            out.append(comment)
        times = " ".join(str(job[f]) for f in TIME_FIELDS)
        out.append(f"{'#DISABLED#' if job['commented'] is True else ''}{times} {job['cmd']}\n")
    for job in tab["special"]:
        comment = _comment_line(job, strip=True)
        if comment:
            out.append(comment)
        out.append(f"{'#DISABLED#' if job['commented'] is True else ''}{job['spec']} {job['cmd']}\n")
    return "".join(out)


def entry_id(entry: dict[str, Any]) -> str:
    return str(entry["identifier"]) if entry["identifier"] else NO_ID


def matches(entry: dict[str, Any], cmd: Any, identifier: Any = None) -> bool:
    """An entry with an identifier is found by it; one without, by its command."""
    cid = entry_id(entry)
    if cid == NO_ID:
        return entry.get("cmd") == cmd
    return (str(identifier) if identifier else NO_ID) == cid


def needs_change(old: Any, new: Any) -> bool:
    """Salt's rule: None means "keep", and ``random`` only replaces ``*``."""
    if old == new:
        return False
    if new == "random":
        return old == "*"
    return new is not None


def _pick_times(rng: random.Random, values: dict[str, str]) -> dict[str, str]:
    """Time fields with ``random`` and ``a:b`` ranges resolved (the day range follows the month)."""
    limits = {"minute": range(60), "hour": range(24), "month": range(1, 13), "dayweek": range(7)}
    out = {}
    for name, span in limits.items():
        value = str(values.get(name, "1")).lower()
        if value == "random":
            out[name] = str(rng.choice(list(span)))
        elif len(value.split(":")) == 2:
            low, high = sorted(value.split(":"))
            out[name] = str(rng.randint(int(low), int(high)))
        else:
            out[name] = value
    long_months, short_months = {"1", "3", "5", "7", "8", "10", "12"}, {"4", "6", "9", "11"}
    days = 31 if out["month"] in long_months else 30 if out["month"] in short_months else 28
    day = str(values.get("daymonth", "1")).lower()
    out["daymonth"] = str(rng.randint(1, days)) if day == "random" else day
    return out


def _carry_over(entry: dict[str, Any], cid: str, cmd: Any, identifier: Any) -> tuple[Any, Any]:
    """The command and identifier a changed entry is written back with (Salt's rules)."""
    if not needs_change(entry["cmd"], cmd):
        cmd = entry["cmd"]
        if cid == NO_ID:
            if identifier:
                cid = identifier
            if cid == NO_ID and entry["identifier"] is None:
                cid = None
    if not cid or not needs_change(cid, identifier):
        identifier = cid
    return cmd, identifier


def set_job(tab: Tab, minute: Any, hour: Any, daymonth: Any, month: Any, dayweek: Any, cmd: str,
            commented: bool = False, comment: Any = None, identifier: Any = None,
            rng: random.Random | None = None) -> tuple[Tab, str]:
    """The tab with the job set, and ``new``, ``updated`` or ``present``."""
    tab = copy.deepcopy(tab)
    times = {f: str(v).lower() for f, v in zip(TIME_FIELDS, (minute, hour, daymonth, month, dayweek),
                                                  strict=True)}
    for entry in tab["crons"] + tab["special"]:
        if not matches(entry, cmd, identifier):
            continue
        cid = entry_id(entry)
        stored_id = NO_ID if entry["identifier"] is None else entry["identifier"]
        tests = [(entry["comment"], comment), (entry["commented"], commented), (identifier, stored_id),
                 *((entry.get(f), times[f]) for f in TIME_FIELDS), (entry["cmd"], cmd)]
        if not any(needs_change(old, new) for old, new in tests):
            return tab, "present"
        tab = remove_special(tab, cmd, identifier=cid)[0] if "spec" in entry \
            else remove_job(tab, cmd, identifier=cid)[0]
        times = {f: entry.get(f) if not needs_change(entry.get(f), times[f]) else times[f] for f in TIME_FIELDS}
        if not needs_change(entry["commented"], commented):
            commented = entry["commented"]
        if not needs_change(entry["comment"], comment):
            comment = entry["comment"]
        cmd, identifier = _carry_over(entry, cid, cmd, identifier)
        tab, status = set_job(tab, *(times[f] for f in TIME_FIELDS), cmd, commented=commented, comment=comment,
                              identifier=identifier, rng=rng)
        return tab, "updated" if status == "new" else status
    job = {"cmd": cmd, "identifier": identifier, "comment": comment, "commented": commented}
    job.update(_pick_times(rng or random.Random(), times))
    tab["crons"].append(job)
    return tab, "new"


def set_special(tab: Tab, special: str, cmd: str, commented: bool = False, comment: Any = None,
                identifier: Any = None) -> tuple[Tab, str]:
    """The tab with the ``@special`` job set, and ``new``, ``updated`` or ``present``."""
    tab = copy.deepcopy(tab)
    for entry in tab["crons"] + tab["special"]:
        if not matches(entry, cmd, identifier):
            continue
        cid = entry_id(entry)
        stored_id = NO_ID if entry["identifier"] is None else entry["identifier"]
        tests = [(entry["comment"], comment), (entry["commented"], commented), (identifier, stored_id),
                 *((entry.get(f), None) for f in TIME_FIELDS), (entry.get("spec"), special), (entry["cmd"], cmd)]
        if not any(needs_change(old, new) for old, new in tests):
            return tab, "present"
        tab = remove_special(tab, cmd, identifier=cid)[0] if "spec" in entry \
            else remove_job(tab, cmd, identifier=cid)[0]
        if not needs_change(entry.get("spec"), special):
            special = entry.get("spec")
        if not needs_change(entry["commented"], commented):
            commented = entry["commented"]
        if not needs_change(entry["comment"], comment):
            comment = entry["comment"]
        cmd, identifier = _carry_over(entry, cid, cmd, identifier)
        tab, status = set_special(tab, special, cmd, commented=commented, comment=comment, identifier=identifier)
        return tab, "updated" if status == "new" else status
    tab["special"].append({"spec": special, "cmd": cmd, "identifier": identifier, "comment": comment,
                           "commented": commented})
    return tab, "new"


def _times_match(entry: dict[str, Any], times: dict[str, Any]) -> bool:
    return all(value is None or entry[f] == str(value) or (str(value).lower() == "random" and entry[f] != "*")
               for f, value in times.items())


def remove_job(tab: Tab, cmd: str, identifier: Any = None, **times: Any) -> tuple[Tab, str]:
    """The tab without the first matching job (and only if the given time fields match): ``removed``/``absent``."""
    tab = copy.deepcopy(tab)
    given = {f: times.get(f) for f in TIME_FIELDS}
    for index, entry in enumerate(tab["crons"]):
        if matches(entry, cmd, identifier) and (all(v is None for v in given.values())
                                                or _times_match(entry, given)):
            del tab["crons"][index]
            return tab, "removed"
    return tab, "absent"


def remove_special(tab: Tab, cmd: str, special: Any = None, identifier: Any = None) -> tuple[Tab, str]:
    tab = copy.deepcopy(tab)
    for index, entry in enumerate(tab["special"]):
        if matches(entry, cmd, identifier) and (special is None or entry["spec"] == special):
            del tab["special"][index]
            return tab, "removed"
    return tab, "absent"


def set_env(tab: Tab, name: str, value: Any = None) -> tuple[Tab, str]:
    tab = copy.deepcopy(tab)
    for env in tab["env"]:
        if env["name"] == name:
            if value == env["value"]:
                return tab, "present"
            tab, _ = remove_env(tab, name)
            tab["env"].append({"name": name, "value": value})
            return tab, "updated"
    tab["env"].append({"name": name, "value": value})
    return tab, "new"


def remove_env(tab: Tab, name: str) -> tuple[Tab, str]:
    tab = copy.deepcopy(tab)
    found = [i for i, env in enumerate(tab["env"]) if env["name"] == name]
    if not found:
        return tab, "absent"
    del tab["env"][found[-1]]
    return tab, "removed"


def check(tab: Tab, cmd: str, special: Any = None, identifier: Any = None, **wanted: Any) -> str:
    """What the cron state reports under test=True: ``absent``, ``present`` or ``update``."""
    fields = ("spec",) if special is not None else TIME_FIELDS
    for entry in tab["special"] if special is not None else tab["crons"]:
        if not matches(entry, cmd, identifier):
            continue
        values = {"spec": special} if special is not None else {f: wanted.get(f) for f in TIME_FIELDS}
        pairs = [(entry[f], values[f]) for f in fields]
        pairs += [(entry["identifier"], identifier), (entry["cmd"], cmd), (entry["comment"], wanted.get("comment")),
                  (entry["commented"], wanted.get("commented"))]
        return "update" if any(needs_change(old, new) for old, new in pairs) else "present"
    return "absent"
