"""State module ``file``: files, directories, symlinks and their contents, with Salt's arguments and results.

The states live in files split by concern and register on the one ``st`` declared here:
``file_managed`` (managed), ``file_serialize`` (serialize), ``file_directory`` (directory),
``file_paths`` (absent, exists, missing, symlink, touch, copy), ``file_edit`` (append, prepend,
replace, line, blockreplace, comment, uncomment, keyvalue) and ``file_recurse`` (recurse).
They reach the system only through :class:`saline.states.file_sys.FS`. Reference: docs/states-file.md.
"""

from __future__ import annotations

from saline.states.api import StateModule

st = StateModule("file", doc="Manage files, directories, symlinks and file contents.")
st.handles_check_cmd = True  # file.managed runs check_cmd against the new contents itself

# Imported for their registrations on `st`.
from saline.states import (  # noqa: E402, F401
    file_directory,
    file_edit,
    file_managed,
    file_paths,
    file_recurse,
    file_serialize,
)
